package exposure

import (
	"fmt"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/scope"
	"netinventory.io/netinventory/internal/snapshot"
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
	if c == nil {
		return -1
	}
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

// backendGuard is what guards one backend (a Service and port): the
// authenticating proxies its pods serve the target port from, or Flux's
// webhook receiver.
type backendGuard struct {
	// pods is the number of backend pods.
	pods int
	// proxies names the proxies, when every pod serves the port from one.
	proxies []string
	// receivers is true when every pod is Flux's webhook receiver.
	receivers bool
}

// backendKey names a backend: a Service and the port a route uses.
type backendKey struct {
	service types.NamespacedName
	port    gwv1.PortNumber
	anyPort bool
}

// backendGuards memoizes the guard of each backend: the pods of a Service
// are matched once per recompute, however many endpoints forward to it.
type backendGuards struct {
	sc   *scope.Scope
	memo map[backendKey]*backendGuard
}

// of returns the guard of a backend reference of a route in namespace ns;
// nil when nothing guards it (not a Service, no pods, a pod serving the
// port from anything else).
func (g *backendGuards) of(ns string, b gwv1.BackendRef) *backendGuard {
	if (b.Group != nil && *b.Group != "") || (b.Kind != nil && *b.Kind != scope.KindService) {
		return nil
	}
	if b.Namespace != nil {
		ns = string(*b.Namespace)
	}
	key := backendKey{service: types.NamespacedName{Namespace: ns, Name: string(b.Name)}, anyPort: b.Port == nil}
	if b.Port != nil {
		key.port = *b.Port
	}
	guard, done := g.memo[key]
	if !done {
		guard = guardOf(g.sc, g.sc.Services[key.service], b.Port)
		g.memo[key] = guard
	}
	return guard
}

// guardOf classifies the pods behind a Service port.
func guardOf(sc *scope.Scope, svc *corev1.Service, port *gwv1.PortNumber) *backendGuard {
	if svc == nil || len(svc.Spec.Selector) == 0 {
		return nil
	}
	target, ok := targetPort(svc, port)
	if !ok {
		return nil
	}
	guard := &backendGuard{}
	receivers := 0
	for _, p := range sc.ServicePods(svc) {
		guard.pods++
		c := servingContainer(p, target)
		switch proxy := authProxyOf(c); {
		case c == nil:
			return nil
		case proxy >= 0:
			guard.proxies = appendNew(guard.proxies, authProxies[proxy].name)
		case strings.Contains(strings.ToLower(c.Image), fluxNotificationImage) && servesWebhooks(c, target):
			receivers++
		default:
			return nil
		}
	}
	if guard.pods == 0 || (len(guard.proxies) > 0 && receivers > 0) {
		return nil // no pod, or a mix: judged by what the gateway enforces
	}
	guard.receivers = receivers > 0
	return guard
}

// backendAuthentication is the authentication a rule's backend pods
// enforce themselves, when the cluster shows it: every pod behind every
// backend Service runs a known authenticating proxy on the target port,
// or every one is Flux's webhook receiver and every Receiver needs a
// token. ok is false otherwise.
func backendAuthentication(g *backendGuards, r *route, rule routeRule) (v1alpha1.Authentication, bool) {
	var proxies, services []string
	receivers := false
	for _, b := range rule.backends {
		guard := g.of(r.meta.Namespace, b)
		if guard == nil {
			return v1alpha1.Authentication{}, false
		}
		for _, p := range guard.proxies {
			proxies = appendNew(proxies, p)
		}
		receivers = receivers || guard.receivers
		ns := r.meta.Namespace
		if b.Namespace != nil {
			ns = string(*b.Namespace)
		}
		services = appendNew(services, ns+"/"+string(b.Name))
	}
	switch {
	case len(proxies) > 0 && receivers, len(services) == 0:
		return v1alpha1.Authentication{}, false
	case len(proxies) > 0:
		return v1alpha1.Authentication{Mode: v1alpha1.AuthenticationRequired, Methods: []string{MethodProxy},
			Source: fmt.Sprintf("proxy %s in the pods of Service %s", strings.Join(proxies, ", "), strings.Join(services, ", "))}, true
	}
	return receiverAuthentication(g.sc)
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
		Source: fmt.Sprintf("Flux webhook receiver: Receivers %s, each with a token secret (token/HMAC)", scope.Named(names, 3))}, true
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
func servingContainer(p *snapshot.Pod, target intstr.IntOrString) *corev1.Container {
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
