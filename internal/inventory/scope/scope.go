// Package scope is the engine's first phase: the read-only view of a
// Snapshot under a NetworkInventory spec that every later phase reads. It
// decides which namespaces are inventoried, indexes the objects the phases
// look up, and compiles the spec (exposure rules, priority classes),
// reporting the parts of the spec it cannot apply.
package scope

import (
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/snapshot"
)

// Scope is what the phases read. Nothing in it changes after New.
type Scope struct {
	// Snap is the Snapshot.
	Snap *snapshot.Snapshot
	// Spec is the inventory's spec.
	Spec *v1alpha1.NetworkInventorySpec
	// Now is the time the inventory is computed at.
	Now time.Time

	// Namespaces holds every namespace, implied ones included.
	Namespaces map[string]*corev1.Namespace
	// Pods holds the active (Running or Pending) pods of each namespace in
	// scope, sorted by name.
	Pods map[string][]*snapshot.Pod
	// Gateways and Services index every Gateway and Service by name.
	Gateways map[types.NamespacedName]*gwv1.Gateway
	Services map[types.NamespacedName]*corev1.Service

	// Exposure classifies Gateways and Services as the spec says.
	Exposure *Classifier
	// Priorities are the spec's priority classes, compiled.
	Priorities *PriorityClasses
	// Enforcement is Cilium's policy enforcement mode; default when the
	// Snapshot does not know it.
	Enforcement snapshot.PolicyEnforcement
	// Problems are the parts of the spec that could not be applied.
	Problems []model.SpecProblem

	inScope     map[string]bool
	servicePods servicePods
}

// New builds the scope. It fails only for a spec that leaves nothing to
// compute: an invalid namespaceSelector.
func New(snap *snapshot.Snapshot, spec *v1alpha1.NetworkInventorySpec, now time.Time) (*Scope, error) {
	sc := &Scope{Snap: snap, Spec: spec, Now: now, Enforcement: snap.CiliumPolicyEnforcement}
	if sc.Enforcement == "" {
		sc.Enforcement = snapshot.EnforcementDefault
	}
	selector := labels.Everything()
	if spec.NamespaceSelector != nil {
		s, err := metav1.LabelSelectorAsSelector(spec.NamespaceSelector)
		if err != nil {
			return nil, &InvalidSpecError{Field: "spec.namespaceSelector", Err: err}
		}
		selector = s
	}
	// The active pods by namespace (and every namespace pods are in), and
	// the pods that run a tunnel, in one pass.
	sorter := newPodSorter()
	byNamespace := sorter.group(snap.Pods)
	all := allNamespaces(snap, byNamespace)
	sc.Namespaces = make(map[string]*corev1.Namespace, len(all))
	sc.inScope = make(map[string]bool, len(all))
	for _, ns := range all {
		sc.Namespaces[ns.Name] = ns
		sc.inScope[ns.Name] = selector.Matches(labels.Set(ns.Labels))
	}
	sc.Pods = make(map[string][]*snapshot.Pod, len(byNamespace))
	for ns, active := range byNamespace {
		if sc.InScope(ns) && len(active) > 0 {
			sc.Pods[ns] = sorter.sorted(ns, active)
		}
	}
	sorter.Keep()
	sc.Gateways = index(snap.Gateways)
	sc.Services = index(snap.Services)
	var problems []model.SpecProblem
	sc.Exposure, problems = compileExposure(&spec.Exposure)
	sc.Problems = append(sc.Problems, problems...)
	sc.Exposure.decideAll(snap, sorter.tunnelPods, sc.Gateways, sc.Services, spec.Exposure.Evidence != v1alpha1.EvidenceDisabled)
	sc.Priorities, problems = compilePriorities(&spec.Priorities)
	sc.Problems = append(sc.Problems, problems...)
	return sc, nil
}

// InvalidSpecError is a spec the engine cannot apply at all.
type InvalidSpecError struct {
	Field string
	Err   error
}

func (e *InvalidSpecError) Error() string { return e.Field + ": " + e.Err.Error() }

func (e *InvalidSpecError) Unwrap() error { return e.Err }

// InScope says whether the objects of a namespace are inventoried.
func (sc *Scope) InScope(namespace string) bool { return sc.inScope[namespace] }

// NamespacesInScope returns the names of the namespaces in scope, sorted.
func (sc *Scope) NamespacesInScope() []string {
	out := make([]string, 0, len(sc.inScope))
	for name, in := range sc.inScope {
		if in {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Of returns pointers to the objects of a list that are in scope, in list
// order: the one place where the namespace filter is applied.
func Of[T any, PT interface {
	*T
	metav1.Object
}](sc *Scope, items []T) []PT {
	out := make([]PT, 0, len(items))
	for i := range items {
		obj := PT(&items[i])
		if sc.InScope(obj.GetNamespace()) {
			out = append(out, obj)
		}
	}
	return out
}

// InScopeOf returns the objects of a list held by pointer that are in
// namespaces in scope.
func InScopeOf[T metav1.Object](sc *Scope, items []T) []T {
	out := make([]T, 0, len(items))
	for _, obj := range items {
		if sc.InScope(obj.GetNamespace()) {
			out = append(out, obj)
		}
	}
	return out
}

// Exists says whether a referenced object exists, for the kinds the
// inventory reads; checked is false for other kinds.
func (sc *Scope) Exists(group, kind, namespace, name string) (exists, checked bool) {
	key := types.NamespacedName{Namespace: namespace, Name: name}
	switch {
	case group == "" && kind == KindService:
		_, ok := sc.Services[key]
		return ok, true
	case group == gwv1.GroupName && kind == KindGateway:
		_, ok := sc.Gateways[key]
		return ok, true
	}
	return false, false
}

func index[T any, PT interface {
	*T
	metav1.Object
}](items []T) map[types.NamespacedName]PT {
	out := make(map[types.NamespacedName]PT, len(items))
	for i := range items {
		obj := PT(&items[i])
		out[types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}] = obj
	}
	return out
}

// isActive is true for the pods that count: Running and Pending ones.
// Succeeded and Failed pods hold no network identity any more.
func isActive(p *snapshot.Pod) bool {
	return p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

// withNameLabel returns a namespace with the kubernetes.io/metadata.name
// label the API server always sets (manifests often lack it, and selectors
// match it), as a copy when it has to be added.
func withNameLabel(ns *corev1.Namespace) *corev1.Namespace {
	if ns.Labels[corev1.LabelMetadataName] == ns.Name {
		return ns
	}
	c := ns.DeepCopy()
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	c.Labels[corev1.LabelMetadataName] = c.Name
	return c
}

// allNamespaces returns the Namespace objects of a Snapshot, each with the
// label the API server sets on every namespace, plus, for
// manifests that do not carry them, one implied Namespace (labelled with its
// name, as the API server does) for each namespace that objects live in.
func allNamespaces(snap *snapshot.Snapshot, pods map[string][]*snapshot.Pod) []*corev1.Namespace {
	out := make([]*corev1.Namespace, 0, len(snap.Namespaces))
	seen := make(map[string]bool, len(snap.Namespaces))
	for i := range snap.Namespaces {
		out = append(out, withNameLabel(&snap.Namespaces[i]))
		seen[snap.Namespaces[i].Name] = true
	}
	imply := func(name string) {
		if name == "" || seen[name] {
			return
		}
		seen[name] = true
		out = append(out, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name: name, Labels: map[string]string{corev1.LabelMetadataName: name},
		}})
	}
	for name := range pods {
		imply(name)
	}
	snap.EachNamespaced(func(obj metav1.Object) { imply(obj.GetNamespace()) })
	return out
}
