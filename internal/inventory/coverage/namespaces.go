package coverage

import (
	"slices"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
)

// namespaceDetail accumulates one namespace's coverage.
type namespaceDetail struct {
	entry                      v1alpha1.NamespaceEntry
	onlyCilium, onlyKubernetes model.Few
	namespaceWideDeny          bool
	// kinds says which kinds of policy select the pods of the last
	// SelectedBy list seen (pods of one workload share theirs).
	kinds struct {
		of                     []int32
		byCilium, byKubernetes bool
	}
}

// namespaces sums up the pods' isolation per namespace in scope: counts,
// coverage state, priority, and where Cilium and Kubernetes policies
// select different pods.
func namespaces(sc *scope.Scope, pols *compiledPolicies, iso *isolation, backsPublic map[string]bool) ([]v1alpha1.NamespaceEntry, []model.KindDisagreement) {
	names := sc.NamespacesInScope()
	details := make(map[string]*namespaceDetail, len(names))
	for _, name := range names {
		details[name] = &namespaceDetail{entry: v1alpha1.NamespaceEntry{Name: name}}
	}
	for _, e := range pols.entries {
		if d := details[e.Namespace]; d != nil {
			switch e.Kind {
			case KindCiliumNetworkPolicy:
				d.entry.CiliumPolicies++
			case KindNetworkPolicy:
				d.entry.NetworkPolicies++
			}
		}
	}
	for _, r := range pols.rules {
		if d := details[r.namespace]; d != nil && r.namespaceWide && r.deny.Any() {
			d.namespaceWideDeny = true
		}
	}
	for _, nsPods := range iso.namespaces {
		d, pods := details[nsPods.Namespace], nsPods.Pods
		for len(pods) > 0 { // runs of pods alike (the replicas of a workload)
			n := 1
			for n < len(pods) && alike(&pods[n], &pods[0]) {
				n++
			}
			d.add(pods[:n], pols)
			pods = pods[n:]
		}
	}
	var out []v1alpha1.NamespaceEntry
	var disagreements []model.KindDisagreement
	for _, name := range names {
		d := details[name]
		d.entry.Coverage = coverageState(&d.entry, d.namespaceWideDeny)
		d.entry.Priority, d.entry.PriorityReason = sc.Priorities.Of(sc.Namespaces[name], d.entry.Pods-d.entry.HostNetworkPods, backsPublic[name])
		out = append(out, d.entry)
		if d.entry.CiliumPolicies > 0 && d.entry.NetworkPolicies > 0 && (d.onlyCilium.Count > 0 || d.onlyKubernetes.Count > 0) {
			disagreements = append(disagreements, model.KindDisagreement{Namespace: name,
				OnlyCilium: d.onlyCilium, OnlyNetworkPolicy: d.onlyKubernetes})
		}
	}
	return out, disagreements // names are sorted
}

// alike reports whether two pods have the same coverage: the same
// isolation and the same (shared) list of selecting policies.
func alike(a, b *model.PodCoverage) bool {
	return a.HostNetwork == b.HostNetwork && a.Isolated == b.Isolated && sameList(a.SelectedBy, b.SelectedBy)
}

// sameList reports whether two lists of selecting policies are one
// (shared) list.
func sameList(a, b []int32) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// add counts pods alike.
func (d *namespaceDetail) add(run []model.PodCoverage, pols *compiledPolicies) {
	pc, n := &run[0], int32(len(run))
	d.entry.Pods += n
	if pc.HostNetwork {
		d.entry.HostNetworkPods += n
		return
	}
	if pc.Isolated[model.Ingress] {
		d.entry.IsolatedIngress += n
	}
	if pc.Isolated[model.Egress] {
		d.entry.IsolatedEgress += n
	}
	if len(pc.SelectedBy) > 0 && !pc.Isolated.Any() {
		d.entry.SelectedNotIsolated += n
	}
	if d.entry.CiliumPolicies == 0 || d.entry.NetworkPolicies == 0 {
		return // one kind of policy: nothing for the kinds to disagree on
	}
	if len(pc.SelectedBy) == 0 {
		return
	}
	if k := &d.kinds; !sameList(k.of, pc.SelectedBy) {
		k.of = pc.SelectedBy
		k.byCilium = slices.ContainsFunc(pc.SelectedBy, func(i int32) bool { return pols.entries[i].Kind == KindCiliumNetworkPolicy })
		k.byKubernetes = slices.ContainsFunc(pc.SelectedBy, func(i int32) bool { return pols.entries[i].Kind == KindNetworkPolicy })
	}
	byCilium, byKubernetes := d.kinds.byCilium, d.kinds.byKubernetes
	if byCilium && !byKubernetes {
		addNames(&d.onlyCilium, run)
	}
	if byKubernetes && !byCilium {
		addNames(&d.onlyKubernetes, run)
	}
}

// addNames adds pods to a Few, reading the names it keeps only.
func addNames(f *model.Few, run []model.PodCoverage) {
	for i := range run {
		if f.Full() {
			f.Count += len(run) - i
			return
		}
		f.Add(run[i].Pod.Name)
	}
}
