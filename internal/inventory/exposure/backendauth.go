package exposure

import (
	"fmt"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/scope"
)

// Authentication methods that are not SecurityPolicies.
const (
	MethodMTLS         = "mTLS"
	MethodProxy        = "Proxy"
	MethodWebhookToken = "WebhookToken"
)

// authProxies are the authenticating proxies recognised in backend pods,
// by a part of their image name.
var authProxies = []struct{ image, name string }{
	{"oauth2-proxy", "oauth2-proxy"},
	{"authelia/authelia", "Authelia"},
	{"goauthentik/proxy", "authentik outpost"},
	{"authentik-proxy", "authentik outpost"},
	{"pomerium/pomerium", "Pomerium"},
}

// authProxyOf returns the index in authProxies of the proxy a container
// runs, by its image, else by the program its command or first argument
// starts (a proxy built into another image); -1 when none.
func authProxyOf(c *corev1.Container) int {
	image := strings.ToLower(c.Image)
	program := ""
	if len(c.Command) > 0 {
		program = c.Command[0]
	} else if len(c.Args) > 0 {
		program = c.Args[0]
	}
	program = strings.ToLower(path.Base(program))
	return slices.IndexFunc(authProxies, func(ap struct{ image, name string }) bool {
		return strings.Contains(image, ap.image) || (program != "" && program == path.Base(ap.image))
	})
}

// fluxNotificationImage names Flux's notification-controller, whose
// webhook receiver port (9292, http-webhook) serves Receivers.
const fluxNotificationImage = "fluxcd/notification-controller"

// backendAuthentication is the authentication a rule's backend pods
// enforce themselves, when the cluster shows it: every pod behind every
// backend Service runs a known authenticating proxy on the target port,
// or every one is Flux's webhook receiver and every Receiver needs a
// token. ok is false otherwise.
func backendAuthentication(sc *scope.Scope, r *route, rule routeRule) (v1alpha1.Authentication, bool) {
	var proxies, services []string
	pods, receivers := 0, 0
	for _, b := range rule.backends {
		if (b.Group != nil && *b.Group != "") || (b.Kind != nil && *b.Kind != scope.KindService) {
			return v1alpha1.Authentication{}, false
		}
		ns := r.meta.Namespace
		if b.Namespace != nil {
			ns = string(*b.Namespace)
		}
		svc := sc.Services[types.NamespacedName{Namespace: ns, Name: string(b.Name)}]
		if svc == nil || len(svc.Spec.Selector) == 0 {
			return v1alpha1.Authentication{}, false
		}
		target, ok := targetPort(svc, b.Port)
		if !ok {
			return v1alpha1.Authentication{}, false
		}
		selector := labels.SelectorFromSet(svc.Spec.Selector)
		for _, p := range sc.Pods[ns] {
			if !selector.Matches(labels.Set(p.Labels)) {
				continue
			}
			pods++
			c := servingContainer(p, target)
			if c == nil {
				return v1alpha1.Authentication{}, false
			}
			proxy := authProxyOf(c)
			switch {
			case proxy >= 0:
				proxies = appendNew(proxies, authProxies[proxy].name)
			case strings.Contains(strings.ToLower(c.Image), fluxNotificationImage) && servesWebhooks(c, target):
				receivers++
			default:
				return v1alpha1.Authentication{}, false
			}
		}
		services = appendNew(services, ns+"/"+svc.Name)
	}
	if pods == 0 {
		return v1alpha1.Authentication{}, false
	}
	if len(proxies) > 0 {
		if receivers > 0 {
			return v1alpha1.Authentication{}, false // a mix: judged by what the gateway enforces
		}
		return v1alpha1.Authentication{Mode: v1alpha1.AuthenticationRequired, Methods: []string{MethodProxy},
			Source: fmt.Sprintf("proxy %s in the pods of Service %s", strings.Join(proxies, ", "), strings.Join(services, ", "))}, true
	}
	return receiverAuthentication(sc)
}

// receiverAuthentication is the authentication of Flux's webhook receiver:
// each Receiver's URL path is a digest of its token, and its secretRef
// holds the token (and the HMAC key of the providers that sign). Without
// a Receiver every path answers 404.
func receiverAuthentication(sc *scope.Scope) (v1alpha1.Authentication, bool) {
	var names []string
	for i := range sc.Snap.Receivers {
		rc := &sc.Snap.Receivers[i]
		if rc.Spec.SecretRef.Name == "" {
			return v1alpha1.Authentication{}, false
		}
		names = append(names, rc.Namespace+"/"+rc.Name)
	}
	if len(names) == 0 {
		return v1alpha1.Authentication{}, false
	}
	slices.Sort(names)
	return v1alpha1.Authentication{Mode: v1alpha1.AuthenticationRequired, Methods: []string{MethodWebhookToken},
		Source: fmt.Sprintf("Flux webhook receiver: Receivers %s, each with a token secret (token/HMAC)", named(names, 3))}, true
}

// targetPort is the target port of the Service port a backend reference
// names (the only port when it names none).
func targetPort(svc *corev1.Service, port *gwv1.PortNumber) (intstr.IntOrString, bool) {
	for _, p := range svc.Spec.Ports {
		if (port == nil && len(svc.Spec.Ports) == 1) || (port != nil && p.Port == int32(*port)) {
			if p.TargetPort.Type == intstr.Int && p.TargetPort.IntVal == 0 || p.TargetPort.Type == intstr.String && p.TargetPort.StrVal == "" {
				return intstr.FromInt32(p.Port), true
			}
			return p.TargetPort, true
		}
	}
	return intstr.IntOrString{}, false
}

// servingContainer is the container of a pod that declares the target
// port, else the pod's only container.
func servingContainer(p *corev1.Pod, target intstr.IntOrString) *corev1.Container {
	for i := range p.Spec.Containers {
		c := &p.Spec.Containers[i]
		for _, cp := range c.Ports {
			if (target.Type == intstr.Int && cp.ContainerPort == target.IntVal) || (target.Type == intstr.String && cp.Name == target.StrVal) {
				return c
			}
		}
	}
	if len(p.Spec.Containers) == 1 {
		return &p.Spec.Containers[0]
	}
	return nil
}

// servesWebhooks says whether the target port is notification-controller's
// webhook receiver port.
func servesWebhooks(c *corev1.Container, target intstr.IntOrString) bool {
	if target.Type == intstr.Int {
		return target.IntVal == 9292
	}
	return target.StrVal == "http-webhook" || slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool {
		return cp.Name == target.StrVal && cp.ContainerPort == 9292
	})
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// named joins the first n names and says how many more there are.
func named(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}
