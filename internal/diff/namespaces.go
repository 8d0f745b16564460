package diff

import (
	"cmp"
	"slices"

	"netinventory.io/netinventory/api/v1alpha1"
)

// NamespaceChange is a namespace added, removed, or whose coverage or
// isolation changed.
type NamespaceChange = EntryChange[v1alpha1.NamespaceEntry]

// isolationLevel is how many of a namespace's pods (those not on the host
// network) are isolated in a direction: -1 without such pods, 0 none,
// 1 some, 2 all.
func isolationLevel(n *v1alpha1.NamespaceEntry, isolated int32) int {
	pods := n.Pods - n.HostNetworkPods
	switch {
	case pods <= 0:
		return -1
	case isolated <= 0:
		return 0
	case isolated < pods:
		return 1
	}
	return 2
}

// coverageRank ranks how well a coverage state isolates: 2 every pod
// (present or future), 1 some, 0 none; -1 for states that say nothing of
// isolation (no pods, host network only).
func coverageRank(c v1alpha1.CoverageState) int {
	switch c {
	case v1alpha1.CoverageCovered, v1alpha1.CoverageDefaultDeny:
		return 2
	case v1alpha1.CoveragePartial:
		return 1
	case v1alpha1.CoverageSelectedNotIsolated, v1alpha1.CoverageNone:
		return 0
	}
	return -1
}

// namespaceEffect: isolation lost in a direction is worse, gained better;
// without pods on one side, the coverage states decide: a namespace whose
// new pods no policy isolates is worse, one that loses its default deny
// too.
func namespaceEffect(b, h *v1alpha1.NamespaceEntry) Effect {
	var worse, better bool
	for _, d := range [][2]int32{{b.IsolatedIngress, h.IsolatedIngress}, {b.IsolatedEgress, h.IsolatedEgress}} {
		lb, lh := isolationLevel(b, d[0]), isolationLevel(h, d[1])
		if lb < 0 || lh < 0 {
			continue
		}
		worse, better = worse || lh < lb, better || lh > lb
	}
	if !worse && !better {
		rb, rh := coverageRank(b.Coverage), coverageRank(h.Coverage)
		switch {
		case rb >= 0 && rh >= 0:
			worse, better = rh < rb, rh > rb
		case rh == 0: // new pods, not isolated
			worse = true
		case rb == 2 && h.Coverage == v1alpha1.CoverageEmpty: // the default deny is gone
			worse = true
		case rb < 0 && rh == 2 && b.Coverage == v1alpha1.CoverageEmpty:
			better = true
		}
	}
	switch {
	case worse && !better:
		return Worse
	case better && !worse:
		return Better
	}
	return Neutral
}

func compareNamespaces(base, head []v1alpha1.NamespaceEntry) []NamespaceChange {
	key := func(n *v1alpha1.NamespaceEntry) string { return n.Name }
	pairs, removed, added := match(base, head, key)
	out := []NamespaceChange{}
	for _, n := range added {
		e := Neutral
		if coverageRank(n.Coverage) == 0 {
			e = Worse
		}
		out = append(out, NamespaceChange{Change: Added, Key: n.Name, Effect: e, Head: n})
	}
	for _, n := range removed {
		out = append(out, NamespaceChange{Change: Removed, Key: n.Name, Effect: Neutral, Base: n})
	}
	for _, p := range pairs {
		b, h := p[0], p[1]
		var fields []string
		if b.Coverage != h.Coverage {
			fields = append(fields, FieldCoverage)
		}
		if isolationLevel(b, b.IsolatedIngress) != isolationLevel(h, h.IsolatedIngress) {
			fields = append(fields, FieldIngressIsolation)
		}
		if isolationLevel(b, b.IsolatedEgress) != isolationLevel(h, h.IsolatedEgress) {
			fields = append(fields, FieldEgressIsolation)
		}
		if len(fields) > 0 {
			out = append(out, NamespaceChange{Change: Changed, Key: h.Name, Effect: namespaceEffect(b, h), Fields: fields, Base: b, Head: h})
		}
	}
	priority := func(n NamespaceChange) uint {
		if n.Head != nil {
			return uint(n.Head.Priority.Rank())
		}
		return uint(n.Base.Priority.Rank())
	}
	slices.SortStableFunc(out, func(a, b NamespaceChange) int {
		return cmp.Or(cmp.Compare(a.Effect.rank(), b.Effect.rank()), cmp.Compare(priority(a), priority(b)), cmp.Compare(a.Key, b.Key))
	})
	return out
}
