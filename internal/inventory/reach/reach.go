// Package reach is the engine's reachability phase: for every endpoint it
// finds the backend pods (through the backend Services' selectors and
// target ports) and asks the coverage phase's evaluator who may connect to
// them: the gateway's proxies, the world, any pod, the pods of each
// namespace, and LoadBalancer or NodePort Services that select the same
// pods. Sources are identities, evaluated once per backend identity and
// port, not pod by pod.
package reach

import (
	"cmp"
	"hash/maphash"
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/coverage"
	"netinventory.io/netinventory/internal/inventory/scope"
	"netinventory.io/netinventory/internal/snapshot"
)

// Envoy Gateway's proxy labels and default namespace.
const (
	ownerNameLabel      = "gateway.envoyproxy.io/owning-gateway-name"
	ownerNamespaceLabel = "gateway.envoyproxy.io/owning-gateway-namespace"
	proxyNamespace      = "envoy-gateway-system"
	// maxBypass bounds EndpointReachability.Bypass.
	maxBypass = 16
	// anyNamespace is the namespace of the pod that stands for any pod.
	anyNamespace = "netinventory-any-namespace"
)

// worldProbes are the ports an egress to the world is tried on: all must
// be open for it to be unrestricted.
var worldProbes = []struct {
	port     int32
	protocol string
}{{443, "TCP"}, {22, "TCP"}, {6667, "TCP"}, {53, "UDP"}}

// Compute returns the endpoints with their reachability.
func Compute(sc *scope.Scope, endpoints []v1alpha1.EndpointEntry, ev *coverage.Evaluator) []v1alpha1.EndpointEntry {
	r := &reacher{sc: sc, ev: ev, cache: map[backendKey]*answer{},
		backends: map[servicePortKey]backendPods{}, namespacePods: map[string]coverage.Peer{}, direct: directServices(sc),
		assumed: map[string][]*snapshot.Pod{}}
	r.anyPod = syntheticPod(anyNamespace, nil)
	r.anyNamespace = syntheticNamespace(anyNamespace)
	out := make([]v1alpha1.EndpointEntry, len(endpoints))
	for i, e := range endpoints {
		e.Reachability = r.endpoint(&e)
		out[i] = e
	}
	return out
}

type reacher struct {
	sc    *scope.Scope
	ev    *coverage.Evaluator
	cache map[backendKey]*answer
	// proxies are the proxy pods by gateway, found when first asked for
	// (it reads every pod).
	proxies map[string][]*snapshot.Pod
	// backends caches the pods and target ports of each Service port.
	backends map[servicePortKey]backendPods
	// assumed are the proxies assumed per gateway.
	assumed map[string][]*snapshot.Pod
	// namespacePods stand for any pod of a namespace; anyPod for any pod.
	namespacePods map[string]coverage.Peer
	anyPod        *snapshot.Pod
	anyNamespace  *corev1.Namespace
	// direct are the LoadBalancer and NodePort Services, by namespace.
	direct map[string][]directService
}

// backendPods are a Service port's pods, with their target ports.
type backendPods struct {
	pods    []*snapshot.Pod
	targets []int32
}

// directService is a LoadBalancer or NodePort Service and its selector.
type directService struct {
	name     string
	selector labels.Selector
}

// backendKey is a backend identity and target port, with the gateway
// whose proxies are asked.
type backendKey struct {
	identity identity
	port     int32
	protocol string
	gateway  string
}

// answer is what is known of one backend identity and port.
type answer struct {
	gateway  bool
	bypass   []string
	egressTo bool
}

func (r *reacher) endpoint(e *v1alpha1.EndpointEntry) *v1alpha1.EndpointReachability {
	proxies, found := r.gatewayProxies(e.Gateway)
	var pods int32
	admitted, refused := 0, 0
	bypass := map[string]bool{}
	egress := false
	for _, b := range e.Backends {
		if b.Kind != "Service" || !b.Permitted {
			continue
		}
		svc := r.sc.Services[types.NamespacedName{Namespace: b.Namespace, Name: b.Name}]
		if svc == nil || len(svc.Spec.Selector) == 0 {
			continue
		}
		port := servicePort(svc, b.Port)
		if port == nil {
			continue
		}
		bp := r.backendPods(svc, port)
		for i, p := range bp.pods {
			if bp.targets[i] == 0 {
				continue // no such container port: the Service sends it nothing
			}
			pods++
			a := r.ask(p, bp.targets[i], string(port.Protocol), e.Gateway, proxies)
			if a.gateway {
				admitted++
			} else {
				refused++
			}
			for _, s := range a.bypass {
				bypass[s] = true
			}
			egress = egress || a.egressTo
			for _, d := range r.direct[p.Namespace] {
				if d.selector.Matches(labels.Set(p.Labels)) {
					bypass[d.name] = true
				}
			}
		}
	}
	if pods == 0 {
		return nil
	}
	out := &v1alpha1.EndpointReachability{Pods: pods, Gateway: verdict(admitted, refused), GatewayProxies: describeProxies(proxies, found),
		Bypass: ordered(bypass), EgressToWorld: egress}
	return out
}

func verdict(admitted, refused int) v1alpha1.ReachVerdict {
	switch {
	case refused == 0:
		return v1alpha1.ReachAllowed
	case admitted == 0:
		return v1alpha1.ReachDenied
	}
	return v1alpha1.ReachPartial
}

// ask evaluates one backend pod's identity on a port, once.
func (r *reacher) ask(p *snapshot.Pod, port int32, protocol, gateway string, proxies []*snapshot.Pod) *answer {
	if protocol == "" {
		protocol = string(corev1.ProtocolTCP)
	}
	key := backendKey{identity: identityKey(p), port: port, protocol: protocol, gateway: gateway}
	if a, ok := r.cache[key]; ok {
		return a
	}
	a := &answer{gateway: len(proxies) > 0}
	for _, proxy := range proxies {
		a.gateway = a.gateway && r.ev.Allowed(r.ev.PodPeer(proxy), p, port, protocol)
	}
	for _, world := range []coverage.PeerClass{coverage.PeerWorldIPv4, coverage.PeerWorldIPv6} {
		if r.ev.Allowed(coverage.Peer{Class: world}, p, port, protocol) {
			a.bypass = append(a.bypass, "world")
			break
		}
	}
	// The node's own stack, when a rule (or no policy) lets it in; not
	// the allowance Cilium always gives it where ingress rules apply.
	if v := r.ev.Brief(coverage.Peer{Class: coverage.PeerHost}, p, port, protocol); v.Allowed && v.Reason != coverage.ReasonLocalhost {
		a.bypass = append(a.bypass, "host")
	}
	anyPod := r.anyPod
	proxyNamespaces := map[string]bool{}
	for _, proxy := range proxies {
		proxyNamespaces[proxy.Namespace] = true
	}
	if r.ev.Allowed(coverage.Peer{Pod: anyPod, Namespace: r.anyNamespace}, p, port, protocol) {
		a.bypass = append(a.bypass, "cluster")
	} else {
		for _, peer := range r.namespacePeers(p) {
			if !proxyNamespaces[peer.Pod.Namespace] && r.ev.Allowed(peer, p, port, protocol) {
				a.bypass = append(a.bypass, "namespace/"+peer.Pod.Namespace)
			}
		}
	}
	a.egressTo = true
	for _, probe := range worldProbes {
		if !r.ev.EgressAllowed(p, coverage.Peer{Class: coverage.PeerWorldIPv4}, probe.port, probe.protocol) {
			a.egressTo = false
			break
		}
	}
	r.cache[key] = a
	return a
}

// namespacePeers are, per namespace whose pods the pod's ingress rules
// may admit, a pod of it without labels.
func (r *reacher) namespacePeers(dst *snapshot.Pod) []coverage.Peer {
	names, all := r.ev.PeerNamespaces(dst, r.sc.Namespaces)
	if all {
		names = slices.Sorted(maps.Keys(r.sc.Namespaces))
	}
	out := make([]coverage.Peer, 0, len(names))
	for _, ns := range names {
		peer, ok := r.namespacePods[ns]
		if !ok {
			if namespace := r.sc.Namespaces[ns]; namespace != nil {
				peer = coverage.Peer{Pod: syntheticPod(ns, nil), Namespace: namespace}
			}
			r.namespacePods[ns] = peer
		}
		if peer.Pod != nil {
			out = append(out, peer)
		}
	}
	return out
}

// backendPods returns the running pods a Service port sends to, not on
// the host network, with their target ports.
func (r *reacher) backendPods(svc *corev1.Service, port *corev1.ServicePort) backendPods {
	key := servicePortKey{svc, port.Port}
	if bp, ok := r.backends[key]; ok {
		return bp
	}
	var bp backendPods
	for _, p := range r.sc.ServicePods(svc) {
		if !p.Spec.HostNetwork {
			bp.pods = append(bp.pods, p)
			bp.targets = append(bp.targets, targetPort(p, port))
		}
	}
	r.backends[key] = bp
	return bp
}

// servicePortKey is one port of a Service.
type servicePortKey struct {
	svc  *corev1.Service
	port int32
}

// directServices indexes the LoadBalancer and NodePort Services by
// namespace.
func directServices(sc *scope.Scope) map[string][]directService {
	out := map[string][]directService{}
	for _, svc := range sc.Services {
		if len(svc.Spec.Selector) == 0 || (svc.Spec.Type != corev1.ServiceTypeLoadBalancer && svc.Spec.Type != corev1.ServiceTypeNodePort) {
			continue
		}
		out[svc.Namespace] = append(out[svc.Namespace], directService{name: "service/" + svc.Namespace + "/" + svc.Name,
			selector: labels.SelectorFromSet(svc.Spec.Selector)})
	}
	return out
}

// gatewayProxies returns a gateway's proxy pods, or, when none is among the
// objects, the Envoy Gateway proxy it would have.
func (r *reacher) gatewayProxies(gateway string) ([]*snapshot.Pod, bool) {
	if r.proxies == nil {
		r.proxies = proxiesByGateway(r.sc)
	}
	if pods := r.proxies[gateway]; len(pods) > 0 {
		return pods, true
	}
	if pods, ok := r.assumed[gateway]; ok {
		return pods, false
	}
	ns, name, _ := strings.Cut(gateway, "/")
	pods := []*snapshot.Pod{syntheticPod(proxyNamespace, map[string]string{
		ownerNameLabel: name, ownerNamespaceLabel: ns,
		"app.kubernetes.io/name": "envoy", "app.kubernetes.io/component": "proxy", "app.kubernetes.io/managed-by": "envoy-gateway",
	})}
	r.assumed[gateway] = pods
	return pods, false
}

// proxiesByGateway finds the proxy pods of every gateway, one per identity.
func proxiesByGateway(sc *scope.Scope) map[string][]*snapshot.Pod {
	out := map[string][]*snapshot.Pod{}
	type proxyKey struct {
		gateway  string
		identity identity
	}
	seen := map[proxyKey]bool{}
	for i := range sc.Snap.Pods {
		p := sc.Snap.Pods[i]
		name, ok := p.Labels[ownerNameLabel]
		ns := p.Labels[ownerNamespaceLabel]
		if !ok || ns == "" || p.Status.Phase != corev1.PodRunning && p.Status.Phase != "" {
			continue
		}
		key := ns + "/" + name
		if id := (proxyKey{key, identityKey(p)}); !seen[id] {
			seen[id] = true
			out[key] = append(out[key], p)
		}
	}
	return out
}

func describeProxies(pods []*snapshot.Pod, found bool) string {
	p := pods[0]
	s := p.Namespace + "/{" + ownerNameLabel + "=" + p.Labels[ownerNameLabel] + "}"
	if !found {
		return "assumed: Envoy Gateway proxy in " + s
	}
	return s
}

// syntheticNamespace is a namespace no object names, labelled as the API
// server labels every namespace.
func syntheticNamespace(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelMetadataName: name}}}
}

func syntheticPod(namespace string, lbls map[string]string) *snapshot.Pod {
	return &snapshot.Pod{PodMeta: snapshot.PodMeta{Namespace: namespace, Name: "netinventory-synthetic", Labels: lbls}}
}

// identity tells pods apart as Cilium identities do: namespace, service
// account and the labels Cilium keeps, the labels summed as two
// independent 64-bit hashes of each key=value (order-free, no sorting).
type identity struct {
	namespace, serviceAccount string
	labels                    [2]uint64
}

var identitySeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func identityKey(p *snapshot.Pod) identity {
	id := identity{namespace: p.Namespace, serviceAccount: cmp.Or(p.Spec.ServiceAccountName, "default")}
	for k, v := range p.Labels {
		if coverage.CiliumIgnoresLabel(k) {
			continue
		}
		for i, seed := range identitySeeds {
			var h maphash.Hash
			h.SetSeed(seed)
			h.WriteString(k)
			h.WriteByte(0)
			h.WriteString(v)
			id.labels[i] += h.Sum64()
		}
	}
	return id
}

// servicePort is the Service port a backend names (its only port when it
// names none).
func servicePort(svc *corev1.Service, port int32) *corev1.ServicePort {
	for i := range svc.Spec.Ports {
		if svc.Spec.Ports[i].Port == port || (port == 0 && len(svc.Spec.Ports) == 1) {
			return &svc.Spec.Ports[i]
		}
	}
	return nil
}

// targetPort resolves a Service port's target on a pod: a number, or a
// container port name; 0 when the pod has no such port.
func targetPort(p *snapshot.Pod, sp *corev1.ServicePort) int32 {
	switch {
	case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
		proto := cmp.Or(sp.Protocol, corev1.ProtocolTCP)
		for _, c := range p.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == sp.TargetPort.StrVal && cmp.Or(cp.Protocol, corev1.ProtocolTCP) == proto {
					return cp.ContainerPort
				}
			}
		}
		return 0
	case sp.TargetPort.IntVal != 0:
		return sp.TargetPort.IntVal
	}
	return sp.Port
}

// ordered sorts bypass sources broadest first (world, cluster, services,
// namespaces) and bounds them.
func ordered(set map[string]bool) []string {
	rank := func(s string) int {
		switch {
		case s == "world":
			return 0
		case s == "cluster":
			return 1
		case s == "host":
			return 2
		case strings.HasPrefix(s, "service/"):
			return 3
		}
		return 4
	}
	out := slices.Collect(maps.Keys(set))
	sort.Slice(out, func(i, j int) bool {
		return cmp.Or(cmp.Compare(rank(out[i]), rank(out[j])), cmp.Compare(out[i], out[j])) < 0
	})
	if len(out) > maxBypass {
		out = out[:maxBypass]
	}
	return out
}
