// Package snapshot holds the typed source objects the inventory engine reads,
// and loads them from a controller cache or from YAML manifests.
package snapshot

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	egv1a1 "github.com/envoyproxy/gateway/api/v1alpha1"
	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	notificationv1 "github.com/fluxcd/notification-controller/api/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	externaldnsv1a1 "netinventory.io/netinventory/internal/externaldns/v1alpha1"
)

// Snapshot is a plain, point-in-time set of the objects the inventory reads.
// Gateway API objects are held in their v1 form whatever version they were
// read at. Lists are in no particular order; the engine sorts what it emits.
type Snapshot struct {
	Namespaces []corev1.Namespace
	// Pods are held by pointer: read from a controller's cache, they are
	// the cache's own objects, not copies (a cluster has many more pods
	// than anything else). The engine never modifies them.
	Pods     []*Pod
	Services []corev1.Service
	// NetworkPolicies are held by pointer too, so that what the engine
	// compiles from one can be kept as long as the cache holds it.
	NetworkPolicies []*networkingv1.NetworkPolicy

	Gateways        []gwv1.Gateway
	HTTPRoutes      []gwv1.HTTPRoute
	GRPCRoutes      []gwv1.GRPCRoute
	TLSRoutes       []gwv1.TLSRoute
	TCPRoutes       []gwv1.TCPRoute
	UDPRoutes       []gwv1.UDPRoute
	ReferenceGrants []gwv1.ReferenceGrant

	SecurityPolicies      []egv1a1.SecurityPolicy
	ClientTrafficPolicies []egv1a1.ClientTrafficPolicy

	// DNSEndpoints are external-dns's records, HelmReleases Flux's
	// releases (their values may configure a tunnel) and Receivers Flux's
	// webhook receivers: evidence of exposure and authentication.
	DNSEndpoints []externaldnsv1a1.DNSEndpoint
	HelmReleases []helmv2.HelmRelease
	Receivers    []notificationv1.Receiver
	// Tunnels are the cloudflared tunnel configurations read from
	// ConfigMaps (a cluster's: those cloudflared pods mount).
	Tunnels []Tunnel

	// Cilium policies are held by pointer, as NetworkPolicies are.
	CiliumNetworkPolicies            []*ciliumv2.CiliumNetworkPolicy
	CiliumClusterwideNetworkPolicies []*ciliumv2.CiliumClusterwideNetworkPolicy

	// CiliumPolicyEnforcement is Cilium's enable-policy mode; empty when
	// not known, which the engine reads as default.
	CiliumPolicyEnforcement PolicyEnforcement
	// CiliumIgnoresDefaultDenyFalse is true when Cilium runs with
	// enable-non-default-deny-policies false: enableDefaultDeny: false in a
	// rule is ignored, every rule puts its pods in default deny.
	CiliumIgnoresDefaultDenyFalse bool
	// CiliumConfig says whether the cilium-config ConfigMap could be read,
	// when the Snapshot was built from a cluster; nil otherwise.
	CiliumConfig *ObjectState

	// Sources says, for every source kind, whether it was available and at
	// which version it was read, in the order of Sources.
	Sources []SourceState

	// podParts makes the parts of the pods added from Pod objects; nil:
	// trimmed, not shared.
	podParts PodParts
}

// SourceState is the availability of one source kind in a Snapshot.
type SourceState struct {
	// Source is the kind.
	Source *Source
	// Available is true when the kind was read.
	Available bool
	// Version the kind was read at, when available.
	Version string
}

// Missing returns the source kinds that were not available, evidence
// kinds aside.
func (s *Snapshot) Missing() []*Source {
	var out []*Source
	for _, st := range s.Sources {
		if !st.Available && !st.Source.Evidence {
			out = append(out, st.Source)
		}
	}
	return out
}

// Count returns the number of objects of a source kind in the Snapshot.
func (s *Snapshot) Count(src *Source) int {
	return src.count(s)
}

// EachNamespaced calls fn for every namespaced object of the Snapshot
// other than pods (which a caller reads through Pods, held by pointer).
func (s *Snapshot) EachNamespaced(fn func(metav1.Object)) {
	for _, src := range Sources {
		if src.Namespaced && src != podKind {
			src.each(s, fn)
		}
	}
}

// Concat appends the objects of parts to s, in order, each kind's list
// grown once; the Cilium configuration and its enforcement mode are the
// last part's that has them, as if the parts had been read one after the
// other into s.
func (s *Snapshot) Concat(parts ...*Snapshot) {
	for _, src := range Sources {
		src.concat(s, parts)
	}
	for _, p := range parts {
		s.Tunnels = append(s.Tunnels, p.Tunnels...)
		if p.CiliumConfig != nil {
			s.CiliumConfig = p.CiliumConfig
		}
		if p.CiliumPolicyEnforcement != "" { // the part read a cilium-config
			s.CiliumPolicyEnforcement = p.CiliumPolicyEnforcement
			s.CiliumIgnoresDefaultDenyFalse = p.CiliumIgnoresDefaultDenyFalse
		}
	}
}
