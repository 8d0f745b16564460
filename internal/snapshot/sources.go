package snapshot

import (
	"encoding/json"
	"fmt"
	"slices"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	egv1a1 "github.com/envoyproxy/gateway/api/v1alpha1"
	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	notificationv1 "github.com/fluxcd/notification-controller/api/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	externaldnsv1a1 "netinventory.io/netinventory/internal/externaldns/v1alpha1"
	"netinventory.io/netinventory/internal/scheme"
)

// Source is one kind of object the inventory reads.
type Source struct {
	// Group of the kind; empty for the core group.
	Group string
	// Kind name.
	Kind string
	// Resource is the kind's plural resource name.
	Resource string
	// Versions the kind can be read at, most preferred first.
	Versions []string
	// Optional kinds are served only when their CRDs are installed; the
	// inventory works without them and says they are missing.
	Optional bool
	// Namespaced is false for cluster-scoped kinds.
	Namespaced bool
	// Evidence kinds (external-dns's, Flux's) are read for what they tell
	// about exposure and authentication; few clusters serve all of them,
	// so one that is missing does not count as a missing source.
	Evidence bool

	add    func(s *Snapshot, obj runtime.Object) error
	concat func(s *Snapshot, parts []*Snapshot)
	grow   func(s *Snapshot, n int)
	count  func(s *Snapshot) int
	each   func(s *Snapshot, fn func(metav1.Object))
}

// GroupKind returns the group and kind of the source.
func (src *Source) GroupKind() schema.GroupKind {
	return schema.GroupKind{Group: src.Group, Kind: src.Kind}
}

// GroupVersionKind returns the source's kind at a version.
func (src *Source) GroupVersionKind(version string) schema.GroupVersionKind {
	return src.GroupKind().WithVersion(version)
}

// String names the source as Kind.group.
func (src *Source) String() string {
	if src.Group == "" {
		return src.Kind
	}
	return src.Kind + "." + src.Group
}

// NewObject returns an empty typed object of the source at a version.
func (src *Source) NewObject(version string) (client.Object, error) {
	o, err := scheme.Scheme.New(src.GroupVersionKind(version))
	if err != nil {
		return nil, err
	}
	obj, ok := o.(client.Object)
	if !ok {
		return nil, fmt.Errorf("%s is not an object", src.GroupVersionKind(version))
	}
	return obj, nil
}

// NewList returns an empty typed list of the source at a version.
func (src *Source) NewList(version string) (client.ObjectList, error) {
	gvk := src.GroupVersionKind(version)
	gvk.Kind += "List"
	o, err := scheme.Scheme.New(gvk)
	if err != nil {
		return nil, err
	}
	l, ok := o.(client.ObjectList)
	if !ok {
		return nil, fmt.Errorf("%s is not a list", gvk)
	}
	return l, nil
}

// Add converts a typed object of this source, at any of its versions, and
// appends it to the Snapshot.
func (src *Source) Add(s *Snapshot, obj runtime.Object) error {
	return src.add(s, obj)
}

const gatewayGroup = gwv1.GroupName

// podKind is the Pod source.
var podKind = podSource()

// Sources are all the kinds the inventory reads, in a fixed order.
var Sources = []*Source{
	source("", "Namespace", "namespaces", []string{"v1"}, false, false, func(s *Snapshot) *[]corev1.Namespace { return &s.Namespaces }),
	podKind,
	source("", "Service", "services", []string{"v1"}, false, true, func(s *Snapshot) *[]corev1.Service { return &s.Services }),
	pointerSource(networkingv1.GroupName, "NetworkPolicy", "networkpolicies", []string{"v1"}, false, true,
		func(s *Snapshot) *[]*networkingv1.NetworkPolicy { return &s.NetworkPolicies }),
	source(gatewayGroup, "Gateway", "gateways", []string{"v1", "v1beta1"}, true, true, func(s *Snapshot) *[]gwv1.Gateway { return &s.Gateways }),
	source(gatewayGroup, "HTTPRoute", "httproutes", []string{"v1", "v1beta1"}, true, true, func(s *Snapshot) *[]gwv1.HTTPRoute { return &s.HTTPRoutes }),
	source(gatewayGroup, "GRPCRoute", "grpcroutes", []string{"v1"}, true, true, func(s *Snapshot) *[]gwv1.GRPCRoute { return &s.GRPCRoutes }),
	source(gatewayGroup, "TLSRoute", "tlsroutes", []string{"v1", "v1alpha3", "v1alpha2"}, true, true, func(s *Snapshot) *[]gwv1.TLSRoute { return &s.TLSRoutes }),
	source(gatewayGroup, "TCPRoute", "tcproutes", []string{"v1", "v1alpha2"}, true, true, func(s *Snapshot) *[]gwv1.TCPRoute { return &s.TCPRoutes }),
	source(gatewayGroup, "UDPRoute", "udproutes", []string{"v1", "v1alpha2"}, true, true, func(s *Snapshot) *[]gwv1.UDPRoute { return &s.UDPRoutes }),
	source(gatewayGroup, "ReferenceGrant", "referencegrants", []string{"v1", "v1beta1"}, true, true,
		func(s *Snapshot) *[]gwv1.ReferenceGrant { return &s.ReferenceGrants }),
	source(egv1a1.GroupName, "SecurityPolicy", "securitypolicies", []string{"v1alpha1"}, true, true,
		func(s *Snapshot) *[]egv1a1.SecurityPolicy { return &s.SecurityPolicies }),
	source(egv1a1.GroupName, "ClientTrafficPolicy", "clienttrafficpolicies", []string{"v1alpha1"}, true, true,
		func(s *Snapshot) *[]egv1a1.ClientTrafficPolicy { return &s.ClientTrafficPolicies }),
	pointerSource(ciliumv2.CustomResourceDefinitionGroup, "CiliumNetworkPolicy", "ciliumnetworkpolicies", []string{"v2"}, true, true,
		func(s *Snapshot) *[]*ciliumv2.CiliumNetworkPolicy { return &s.CiliumNetworkPolicies }),
	pointerSource(ciliumv2.CustomResourceDefinitionGroup, "CiliumClusterwideNetworkPolicy", "ciliumclusterwidenetworkpolicies", []string{"v2"}, true, false,
		func(s *Snapshot) *[]*ciliumv2.CiliumClusterwideNetworkPolicy {
			return &s.CiliumClusterwideNetworkPolicies
		}),
	evidence(source(externaldnsv1a1.GroupVersion.Group, "DNSEndpoint", "dnsendpoints", []string{"v1alpha1"}, true, true,
		func(s *Snapshot) *[]externaldnsv1a1.DNSEndpoint { return &s.DNSEndpoints })),
	evidence(source(helmv2.GroupVersion.Group, "HelmRelease", "helmreleases", []string{"v2"}, true, true,
		func(s *Snapshot) *[]helmv2.HelmRelease { return &s.HelmReleases })),
	evidence(source(notificationv1.GroupVersion.Group, "Receiver", "receivers", []string{"v1"}, true, true,
		func(s *Snapshot) *[]notificationv1.Receiver { return &s.Receivers })),
}

// evidence marks a source as an evidence kind.
func evidence(src *Source) *Source {
	src.Evidence = true
	return src
}

// SourceFor returns the source of a group and kind, or nil.
func SourceFor(gk schema.GroupKind) *Source {
	for _, src := range Sources {
		if src.GroupKind() == gk {
			return src
		}
	}
	return nil
}

// source declares a source kind, with its plural resource name, whose objects are kept, in their first
// version's Go type T, in the Snapshot field that field returns.
func source[T any](group, kind, resource string, versions []string, optional, namespaced bool, field func(*Snapshot) *[]T) *Source {
	return listSource(group, kind, resource, versions, optional, namespaced, field,
		func(_ *Snapshot, obj runtime.Object) (*T, error) { return convert[T](obj) },
		func(v *T) T { return *v }, func(e *T) any { return e })
}

// pointerSource declares a source kind whose objects are kept by pointer,
// in their first version's Go type T: an object read from the manager's
// cache is the cache's, not a copy.
func pointerSource[T any](group, kind, resource string, versions []string, optional, namespaced bool, field func(*Snapshot) *[]*T) *Source {
	return listSource(group, kind, resource, versions, optional, namespaced, field,
		func(_ *Snapshot, obj runtime.Object) (*T, error) { return convert[T](obj) },
		func(v *T) *T { return v }, func(e **T) any { return *e })
}

// podSource declares the Pod kind, whose objects are kept by pointer as
// compact Pods: a pod read from the manager's cache is the cache's, not a
// copy; a corev1.Pod (read from manifests or a client) is compacted.
func podSource() *Source {
	return listSource("", "Pod", "pods", []string{"v1"}, false, true, func(s *Snapshot) *[]*Pod { return &s.Pods }, toPod,
		func(v *Pod) *Pod { return v }, func(e **Pod) any { return *e })
}

// toPod returns obj as a compact Pod, its parts made by the snapshot's
// podParts.
func toPod(s *Snapshot, obj runtime.Object) (*Pod, error) {
	switch p := obj.(type) {
	case *Pod:
		return p, nil
	case *corev1.Pod:
		return CompactPod(p, s.podParts), nil
	}
	full, err := convert[corev1.Pod](obj)
	if err != nil {
		return nil, err
	}
	return CompactPod(full, s.podParts), nil
}

// listSource declares a source kind whose objects, converted to T by conv,
// are kept as elements E (T or *T: elem makes one, object returns the
// object an element holds) in the Snapshot field that field returns.
func listSource[T, E any](group, kind, resource string, versions []string, optional, namespaced bool,
	field func(*Snapshot) *[]E, conv func(*Snapshot, runtime.Object) (*T, error), elem func(*T) E, object func(*E) any) *Source {
	return &Source{
		Group: group, Kind: kind, Resource: resource, Versions: versions, Optional: optional, Namespaced: namespaced,
		add: func(s *Snapshot, obj runtime.Object) error {
			v, err := conv(s, obj)
			if err != nil {
				return fmt.Errorf("%s: %w", kind, err)
			}
			list := field(s)
			*list = append(*list, elem(v))
			return nil
		},
		concat: func(s *Snapshot, parts []*Snapshot) {
			n := len(*field(s))
			for _, p := range parts {
				n += len(*field(p))
			}
			if n == len(*field(s)) {
				return
			}
			list := slices.Grow(*field(s), n-len(*field(s)))
			for _, p := range parts {
				list = append(list, *field(p)...)
			}
			*field(s) = list
		},
		grow:  func(s *Snapshot, n int) { *field(s) = slices.Grow(*field(s), n) },
		count: func(s *Snapshot) int { return len(*field(s)) },
		each: func(s *Snapshot, fn func(metav1.Object)) {
			list := *field(s)
			for i := range list {
				if obj, ok := object(&list[i]).(metav1.Object); ok {
					fn(obj)
				}
			}
		},
	}
}

// convert returns obj as a *T: itself when it is one, else through its JSON
// form (the versions of a kind share their field names).
func convert[T any](obj runtime.Object) (*T, error) {
	if v, ok := any(obj).(*T); ok {
		return v, nil
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	return v, nil
}

// CRDName is the name of the CustomResourceDefinition that serves an
// optional source kind.
func (src *Source) CRDName() string {
	return src.Resource + "." + src.Group
}
