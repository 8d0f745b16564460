package inventory

import (
	"cmp"
	"slices"

	"netinventory.io/netinventory/api/v1alpha1"
)

// namespaceEntries describes each namespace in scope, sorted by name.
func (m *engine) namespaceEntries() []v1alpha1.NamespaceEntry {
	cnps := map[string]int32{}
	for i := range m.snap.CiliumNetworkPolicies {
		cnps[m.snap.CiliumNetworkPolicies[i].Namespace]++
	}
	nps := map[string]int32{}
	for i := range m.snap.NetworkPolicies {
		nps[m.snap.NetworkPolicies[i].Namespace]++
	}
	out := make([]v1alpha1.NamespaceEntry, 0, len(m.inScope))
	for name := range m.inScope {
		e := v1alpha1.NamespaceEntry{Name: name, CiliumPolicies: cnps[name], NetworkPolicies: nps[name]}
		for _, p := range m.podsByNamespace[name] {
			e.Pods++
			if p.Spec.HostNetwork {
				e.HostNetworkPods++
			}
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b v1alpha1.NamespaceEntry) int { return cmp.Compare(a.Name, b.Name) })
	return out
}
