package coverage

import (
	"sync"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	networkingv1 "k8s.io/api/networking/v1"

	"netinventory.io/netinventory/internal/inventory/scope"
)

// lastCompiled is the policies of the last recompute, compiled, with the
// objects they were compiled from. Cached objects never change (a new
// version is a new object), so when a recompute's policies in scope are
// the same objects, their compiled form is the same: a recompute after a
// pod changed does not compile its policies again. It holds one set of
// policies, no more. The compiled policies are shared: read-only.
var lastCompiled struct {
	sync.Mutex
	from *policyObjects
	pols *compiledPolicies
	// checks counts the comparisons with from.
	checks uint64
}

// policyObjects are the policy objects of a recompute: the clusterwide
// ones, those in the namespaces in scope, and the switch that changes
// what they compile to.
type policyObjects struct {
	// The objects, each with the last comparison that found it.
	clusterwide            map[*ciliumv2.CiliumClusterwideNetworkPolicy]uint64
	cilium                 map[*ciliumv2.CiliumNetworkPolicy]uint64
	kubernetes             map[*networkingv1.NetworkPolicy]uint64
	ignoreDefaultDenyFalse bool
}

// policiesOf returns the policies of a recompute compiled: those of the
// last recompute when they are the same objects, else compiled now.
func policiesOf(sc *scope.Scope) *compiledPolicies {
	lastCompiled.Lock()
	lastCompiled.checks++
	if from := lastCompiled.from; from != nil && from.same(sc, lastCompiled.checks) {
		pols := lastCompiled.pols
		lastCompiled.Unlock()
		return pols
	}
	lastCompiled.Unlock()
	pols := compilePolicies(sc)
	if !pols.duplicates { // else the catalog depends on the order of the objects too
		from := objectsOf(sc)
		lastCompiled.Lock()
		lastCompiled.from, lastCompiled.pols = from, pols
		lastCompiled.Unlock()
	}
	return pols
}

func objectsOf(sc *scope.Scope) *policyObjects {
	o := &policyObjects{ignoreDefaultDenyFalse: sc.Snap.CiliumIgnoresDefaultDenyFalse,
		clusterwide: make(map[*ciliumv2.CiliumClusterwideNetworkPolicy]uint64, len(sc.Snap.CiliumClusterwideNetworkPolicies)),
		cilium:      make(map[*ciliumv2.CiliumNetworkPolicy]uint64, len(sc.Snap.CiliumNetworkPolicies)),
		kubernetes:  make(map[*networkingv1.NetworkPolicy]uint64, len(sc.Snap.NetworkPolicies))}
	for _, p := range sc.Snap.CiliumClusterwideNetworkPolicies {
		o.clusterwide[p] = 0
	}
	for _, p := range sc.Snap.CiliumNetworkPolicies {
		if sc.InScope(p.Namespace) {
			o.cilium[p] = 0
		}
	}
	for _, p := range sc.Snap.NetworkPolicies {
		if sc.InScope(p.Namespace) {
			o.kubernetes[p] = 0
		}
	}
	return o
}

// same reports whether a recompute's policy objects are these; check
// numbers the comparison (it marks the objects it finds).
func (o *policyObjects) same(sc *scope.Scope, check uint64) bool {
	if o.ignoreDefaultDenyFalse != sc.Snap.CiliumIgnoresDefaultDenyFalse {
		return false
	}
	return sameObjects(sc, sc.Snap.CiliumClusterwideNetworkPolicies, o.clusterwide, false, check) &&
		sameObjects(sc, sc.Snap.CiliumNetworkPolicies, o.cilium, true, check) &&
		sameObjects(sc, sc.Snap.NetworkPolicies, o.kubernetes, true, check)
}

// sameObjects reports whether the objects of a list (those in scope, when
// namespaced) are those of a set: each in it once, as many.
func sameObjects[T interface {
	comparable
	GetNamespace() string
}](sc *scope.Scope, list []T, set map[T]uint64, namespaced bool, check uint64) bool {
	n := 0
	for _, p := range list {
		if namespaced && !sc.InScope(p.GetNamespace()) {
			continue
		}
		if last, ok := set[p]; !ok || last == check {
			return false // not among them, or listed twice
		}
		set[p] = check
		n++
	}
	return n == len(set)
}
