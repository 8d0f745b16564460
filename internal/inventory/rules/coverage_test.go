package rules

import (
	"strings"
	"testing"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/snapshot"
)

func ns(name string, state v1alpha1.CoverageState, prio v1alpha1.Priority, pods, host, in, eg, sni int32) v1alpha1.NamespaceEntry {
	return v1alpha1.NamespaceEntry{Name: name, Coverage: state, Priority: prio, Pods: pods, HostNetworkPods: host,
		IsolatedIngress: in, IsolatedEgress: eg, SelectedNotIsolated: sni, PriorityReason: "test"}
}

func TestNamespaceCoverageRules(t *testing.T) {
	m := &model.Model{
		Namespaces: []v1alpha1.NamespaceEntry{
			ns("open", v1alpha1.CoverageNone, v1alpha1.PriorityCritical, 5, 0, 0, 0, 0),
			ns("system", v1alpha1.CoverageNone, v1alpha1.PriorityLow, 31, 17, 0, 0, 0),
			ns("half", v1alpha1.CoveragePartial, v1alpha1.PriorityHigh, 2, 0, 2, 1, 1),
			ns("fine", v1alpha1.CoverageCovered, v1alpha1.PriorityHigh, 2, 0, 2, 2, 0),
			ns("hosts", v1alpha1.CoverageHostNetworkOnly, v1alpha1.PriorityHigh, 3, 3, 0, 0, 0),
			ns("lax", v1alpha1.CoverageSelectedNotIsolated, v1alpha1.PriorityMedium, 2, 0, 0, 0, 2),
			ns("future", v1alpha1.CoverageDefaultDeny, v1alpha1.PriorityMedium, 0, 0, 0, 0, 0),
		},
		PodsByNamespace: []model.NamespacePods{{Namespace: "half", Pods: []model.PodCoverage{
			{Pod: &snapshot.Pod{PodMeta: snapshot.PodMeta{Namespace: "half", Name: "a"}}, Isolated: [2]bool{true, true}},
			{Pod: &snapshot.Pod{PodMeta: snapshot.PodMeta{Namespace: "half", Name: "b"}}, Isolated: [2]bool{true, false}},
		}}},
	}
	if got := subjects(NamespaceWithoutPolicies, m); got != "Critical open, Low system" {
		t.Errorf("NamespaceWithoutPolicies: %q", got)
	}
	if msg := NamespaceWithoutPolicies(m)[1].Message; !strings.Contains(msg, "14 pods") || !strings.Contains(msg, "17 more on the host network") {
		t.Errorf("hostNetwork pods are counted apart: %s", msg)
	}
	if got := subjects(PodsNotIsolated, m); got != "Medium half" {
		t.Errorf("PodsNotIsolated: %q", got)
	}
	if msg := PodsNotIsolated(m)[0].Message; !strings.Contains(msg, "1 of 2 pods not isolated for egress: b") {
		t.Errorf("PodsNotIsolated names the pods: %s", msg)
	}
	// Selected without being isolated is not isolated: the namespace's own
	// priority, not one step lower; pods left open in a partly isolated
	// namespace are PodsNotIsolated's.
	if got := subjects(SelectedNotIsolated, m); got != "Medium lax" {
		t.Errorf("SelectedNotIsolated: %q", got)
	}
}

func TestPolicyRules(t *testing.T) {
	m := &model.Model{
		NetworkPolicies: []v1alpha1.NetworkPolicyEntry{
			{Kind: "NetworkPolicy", Namespace: "a", Name: "used", Selector: "app=x", SelectedPods: 2},
			{Kind: "NetworkPolicy", Namespace: "a", Name: "stale", Selector: "app=gone"},
			{Kind: "NetworkPolicy", Namespace: "a", Name: "default-deny", Selector: ""},
			{Kind: "CiliumClusterwideNetworkPolicy", Name: "hosts", Selector: "node:", HostPolicy: true},
			{Kind: "CiliumNetworkPolicy", Namespace: "a", Name: "broken", Selector: "app=x"},
		},
		PolicyProblems: []model.PolicyProblem{
			{Policy: v1alpha1.ObjectRef{Kind: "CiliumNetworkPolicy", Namespace: "a", Name: "broken"}, Reason: "NotValid", Detail: "bad"},
			{Policy: v1alpha1.ObjectRef{Kind: "NetworkPolicy", Namespace: "a", Name: "typo"}, Reason: "InvalidSelector", Detail: "bad op"},
		},
		Disagreements: []model.KindDisagreement{{Namespace: "a", OnlyCilium: model.Few{Names: []string{"p"}, Count: 1}}},
	}
	if got := subjects(PolicySelectsNoPods, m); got != "Low a/stale" {
		t.Errorf("PolicySelectsNoPods: %q", got)
	}
	if got := subjects(CiliumPolicyNotValid, m); got != "High a/broken" {
		t.Errorf("CiliumPolicyNotValid: %q", got)
	}
	if got := subjects(InvalidPolicySelector, m); got != "High a/typo" {
		t.Errorf("InvalidPolicySelector: %q", got)
	}
	if got := subjects(PolicyKindsDisagree, m); got != "Low a" {
		t.Errorf("PolicyKindsDisagree: %q", got)
	}
}
