// Package coverage is the engine's coverage phase: it compiles the network
// policies in scope (NetworkPolicies, CiliumNetworkPolicies and clusterwide
// policies), decides per pod and direction whether policies isolate it, as
// Kubernetes and Cilium enforce them, and sums that up per namespace, with
// priorities and the flows the policies allow. It returns values; it
// changes nothing it reads.
package coverage

import (
	"slices"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
)

// Result is what the coverage phase computes. Every list is sorted.
type Result struct {
	Namespaces []v1alpha1.NamespaceEntry
	// NetworkPolicies is the policy catalog, with the pods each selects.
	NetworkPolicies []v1alpha1.NetworkPolicyEntry
	// PodsByNamespace is the isolation of every active pod in scope, by
	// namespace and name.
	PodsByNamespace []model.NamespacePods
	PolicyProblems  []model.PolicyProblem
	Disagreements   []model.KindDisagreement
	Flows           []v1alpha1.FlowEntry

	evaluator *Evaluator
}

// Compute runs the coverage phase; backsPublic names the namespaces that
// back a public endpoint (their gaps are more urgent).
func Compute(sc *scope.Scope, backsPublic map[string]bool) *Result {
	pols := policiesOf(sc)
	iso := isolate(sc, pols)
	catalog := slices.Clone(pols.entries) // the compiled ones are shared
	for i := range catalog {
		catalog[i].SelectedPods = iso.selected[i]
	}
	var problems []model.PolicyProblem
	for _, p := range pols.problems {
		e := catalog[p.entry]
		problems = append(problems, model.PolicyProblem{
			Policy: v1alpha1.ObjectRef{Kind: e.Kind, Namespace: e.Namespace, Name: e.Name}, Reason: p.reason, Detail: p.detail})
	}
	namespaces, disagreements := namespaces(sc, pols, iso, backsPublic)
	res := &Result{Namespaces: namespaces, NetworkPolicies: catalog, PodsByNamespace: iso.namespaces, PolicyProblems: problems,
		Disagreements: disagreements}
	res.evaluator = newEvaluator(sc, pols, iso.buckets, iso.byNamespace)
	res.Flows = flowsOf(sc, pols, iso, res.evaluator)
	return res
}
