package inventory

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
)

// Default and maximum list limits.
const (
	DefaultMaxItemsPerList = 500
	DefaultMaxFindings     = 500
	MaxItemsPerListLimit   = 2000
)

// engine is the engine's working view of a Snapshot: the objects in
// scope, indexed for the computations.
type engine struct {
	snap   *snapshot.Snapshot
	spec   *v1alpha1.NetworkInventorySpec
	now    time.Time
	limits limits

	// namespaces holds every namespace, implied ones included.
	namespaces map[string]*corev1.Namespace
	// inScope holds the namespaces the spec selects.
	inScope map[string]*corev1.Namespace
	// podsByNamespace holds the running and pending pods of each namespace
	// in scope.
	podsByNamespace map[string][]*corev1.Pod
	exposure        *exposureClassifier

	gateways map[types.NamespacedName]*gwv1.Gateway
	services map[types.NamespacedName]*corev1.Service
	grants   *grantIndex
	refs     *referenceTracker
	policies *policyIndex
	// routes are every route of the Snapshot, kind-independent.
	routes []*route
	// backends memoizes each route's resolved backends.
	backends map[*route][]v1alpha1.BackendEntry
}

type limits struct {
	perList  int
	findings int
}

func newEngine(snap *snapshot.Snapshot, spec *v1alpha1.NetworkInventorySpec, now time.Time) (*engine, error) {
	m := &engine{snap: snap, spec: spec, now: now, limits: limitsOf(spec.Limits)}
	selector := labels.Everything()
	if spec.NamespaceSelector != nil {
		s, err := metav1.LabelSelectorAsSelector(spec.NamespaceSelector)
		if err != nil {
			return nil, invalidSpecError("namespaceSelector", err)
		}
		selector = s
	}
	m.inScope = make(map[string]*corev1.Namespace, len(snap.Namespaces))
	m.namespaces = map[string]*corev1.Namespace{}
	for _, ns := range allNamespaces(snap) {
		m.namespaces[ns.Name] = ns
		if selector.Matches(labels.Set(ns.Labels)) {
			m.inScope[ns.Name] = ns
		}
	}
	m.podsByNamespace = make(map[string][]*corev1.Pod, len(m.inScope))
	for i := range snap.Pods {
		p := &snap.Pods[i]
		if !m.inNamespaceScope(p.Namespace) || !isActive(p) {
			continue
		}
		m.podsByNamespace[p.Namespace] = append(m.podsByNamespace[p.Namespace], p)
	}
	m.exposure = newExposureClassifier(&spec.Exposure)
	m.gateways = make(map[types.NamespacedName]*gwv1.Gateway, len(snap.Gateways))
	for i := range snap.Gateways {
		gw := &snap.Gateways[i]
		m.gateways[types.NamespacedName{Namespace: gw.Namespace, Name: gw.Name}] = gw
	}
	m.services = make(map[types.NamespacedName]*corev1.Service, len(snap.Services))
	for i := range snap.Services {
		svc := &snap.Services[i]
		m.services[types.NamespacedName{Namespace: svc.Namespace, Name: svc.Name}] = svc
	}
	m.routes = routesOf(snap)
	m.backends = make(map[*route][]v1alpha1.BackendEntry, len(m.routes))
	m.grants = newGrantIndex(snap.ReferenceGrants)
	m.refs = &referenceTracker{grants: m.grants, exists: m.exists, seen: map[string]bool{}}
	m.policies = newPolicyIndex(m)
	return m, nil
}

func limitsOf(l v1alpha1.Limits) limits {
	clamp := func(v *int32, def int) int {
		if v == nil || *v < 1 {
			return def
		}
		return min(int(*v), MaxItemsPerListLimit)
	}
	return limits{perList: clamp(l.MaxItemsPerList, DefaultMaxItemsPerList), findings: clamp(l.MaxFindings, DefaultMaxFindings)}
}

// isActive is true for the pods that count: Running and Pending ones.
// Succeeded and Failed pods hold no network identity any more.
func isActive(p *corev1.Pod) bool {
	return p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

// inNamespaceScope says whether objects of a namespace are inventoried.
func (m *engine) inNamespaceScope(namespace string) bool {
	_, ok := m.inScope[namespace]
	return ok
}

// allNamespaces returns the Namespace objects of a Snapshot plus, for
// manifests that do not carry them, one implied Namespace (labelled with its
// name, as the API server does) for each namespace that objects live in.
func allNamespaces(snap *snapshot.Snapshot) []*corev1.Namespace {
	out := make([]*corev1.Namespace, 0, len(snap.Namespaces))
	seen := make(map[string]bool, len(snap.Namespaces))
	for i := range snap.Namespaces {
		out = append(out, &snap.Namespaces[i])
		seen[snap.Namespaces[i].Name] = true
	}
	snap.EachNamespaced(func(obj metav1.Object) {
		name := obj.GetNamespace()
		if name == "" || seen[name] {
			return
		}
		seen[name] = true
		out = append(out, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name: name, Labels: map[string]string{corev1.LabelMetadataName: name},
		}})
	})
	return out
}

// exists says whether a referenced object exists, for the kinds the
// inventory reads; checked is false for other kinds.
func (m *engine) exists(group, kind, namespace, name string) (exists, checked bool) {
	key := types.NamespacedName{Namespace: namespace, Name: name}
	switch {
	case group == "" && kind == kindService:
		_, ok := m.services[key]
		return ok, true
	case group == gwv1.GroupName && kind == kindGateway:
		_, ok := m.gateways[key]
		return ok, true
	}
	return false, false
}
