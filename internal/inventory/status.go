package inventory

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/snapshot"
)

// Default and maximum list limits.
const (
	DefaultMaxItemsPerList = 500
	DefaultMaxFindings     = 500
	MaxItemsPerListLimit   = 2000
)

type limits struct {
	perList  int
	findings int
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

// status is the last phase: the model and findings as a status, summary
// first, every list bounded, the whole within the budget with the
// conditions it will be written with.
func status(snap *snapshot.Snapshot, md *model.Model, findings []v1alpha1.Finding, lim limits,
	conds []metav1.Condition) v1alpha1.NetworkInventoryStatus {
	policies := make([]v1alpha1.SecurityPolicyEntry, 0, len(md.SecurityPolicies))
	for _, p := range md.SecurityPolicies {
		policies = append(policies, p.SecurityPolicyEntry)
	}
	n := lim.perList
	st := v1alpha1.NetworkInventoryStatus{Sources: sourceStatuses(snap), Summary: summarize(md, findings)}
	st.Gateways.Items, st.Gateways.ListBounds = bound(md.Gateways, n)
	st.Endpoints.Items, st.Endpoints.ListBounds = bound(md.Endpoints, n)
	st.Services.Items, st.Services.ListBounds = bound(md.Services, n)
	st.SecurityPolicies.Items, st.SecurityPolicies.ListBounds = bound(policies, n)
	st.NetworkPolicies.Items, st.NetworkPolicies.ListBounds = bound(md.NetworkPolicies, n)
	st.ReferenceGrants.Items, st.ReferenceGrants.ListBounds = bound(md.ReferenceGrants, n)
	st.Namespaces.Items, st.Namespaces.ListBounds = bound(md.Namespaces, n)
	st.Flows.Items, st.Flows.ListBounds = bound(md.Flows, n)
	st.Findings.Items, st.Findings.ListBounds = bound(findings, lim.findings)
	fitBudget(&st, conds, StatusBudget)
	return st
}

// bound returns at most n items of a sorted list, and how it was bounded.
func bound[T any](items []T, n int) ([]T, v1alpha1.ListBounds) {
	b := v1alpha1.ListBounds{Total: int32(len(items)), Truncated: len(items) > n}
	if b.Truncated {
		return items[:n], b
	}
	return items, b
}
