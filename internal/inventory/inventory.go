// Package inventory is the pure engine: from a Snapshot of source objects
// and a NetworkInventory spec it computes the inventory. It never calls a
// client, reads the clock only through its argument, and is deterministic:
// every list it emits is sorted.
package inventory

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/coverage"
	"netinventory.io/netinventory/internal/inventory/exposure"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/reach"
	"netinventory.io/netinventory/internal/inventory/rules"
	"netinventory.io/netinventory/internal/inventory/scope"
	"netinventory.io/netinventory/internal/snapshot"
)

// Result is the computed inventory.
type Result struct {
	// Status holds the computed content: summary, sources and lists. The
	// caller sets observedGeneration, times, and the conditions: these,
	// each with its time, plus a Ready condition whose message is at most
	// MaxConditionMessage bytes; StatusBudget keeps room for all of them.
	Status v1alpha1.NetworkInventoryStatus `json:"status"`
	// Conditions are the engine's conditions, without transition times.
	Conditions []metav1.Condition `json:"conditions"`
	// Model is the intermediate model the rules ran on, for renderers and
	// explanations; not part of the status.
	Model *model.Model `json:"-"`
	// Findings are every finding, sorted, however many the status lists.
	Findings []v1alpha1.Finding `json:"-"`
	// Evaluator answers who may connect to which pod, as the policies are
	// enforced: for `kubectl netinv reach`.
	Evaluator *coverage.Evaluator `json:"-"`
}

// Compute computes the inventory of a Snapshot under a spec at time now,
// phase after phase, each reading the values the earlier ones returned:
// scope, exposure, coverage, rules, status. It returns an error only for a
// spec it cannot apply at all (an invalid namespaceSelector); bad source
// objects and spec fields that cannot be applied become findings.
func Compute(snap *snapshot.Snapshot, spec *v1alpha1.NetworkInventorySpec, now time.Time) (*Result, error) {
	return computePhases(snap, spec, now, true)
}

// computePhases runs the phases; withReach false leaves the reachability phase
// out, for benchmarks to measure what it costs.
func computePhases(snap *snapshot.Snapshot, spec *v1alpha1.NetworkInventorySpec, now time.Time, withReach bool) (*Result, error) {
	sc, err := scope.New(snap, spec, now)
	if err != nil {
		return nil, err
	}
	exp := exposure.Compute(sc)
	cov := coverage.Compute(sc, exp.BackedNamespaces(v1alpha1.ExposurePublic))
	endpoints := exp.Endpoints
	if withReach {
		endpoints = reach.Compute(sc, exp.Endpoints, cov.Evaluator())
	}
	md := &model.Model{
		Now: now, Spec: spec, SpecProblems: sc.Problems, PolicyEnforcement: sc.Enforcement,
		Gateways: exp.Gateways, Endpoints: endpoints, Services: exp.Services, SecurityPolicies: exp.SecurityPolicies,
		ReferenceGrants: exp.ReferenceGrants, References: exp.References, RouteProblems: exp.RouteProblems,
		Namespaces: cov.Namespaces, NetworkPolicies: cov.NetworkPolicies, Flows: cov.Flows, PodsByNamespace: cov.PodsByNamespace,
		PolicyProblems: cov.PolicyProblems, Disagreements: cov.Disagreements,
	}
	findings := sortFindings(acknowledge(rules.Run(md), spec.Acknowledgements, now))
	conds := conditions(snap, md, findings)
	return &Result{Status: status(snap, md, findings, limitsOf(spec.Limits), conds), Conditions: conds, Model: md, Findings: findings,
		Evaluator: cov.Evaluator()}, nil
}

func sourceStatuses(snap *snapshot.Snapshot) []v1alpha1.SourceStatus {
	out := make([]v1alpha1.SourceStatus, 0, len(snap.Sources))
	for _, st := range snap.Sources {
		s := v1alpha1.SourceStatus{Kind: st.Source.Kind, Group: st.Source.Group, Available: st.Available}
		if st.Available {
			s.Version = st.Version
			s.Count = int32(snap.Count(st.Source))
		}
		out = append(out, s)
	}
	if o := snap.CiliumConfig; o != nil {
		out = append(out, v1alpha1.SourceStatus{Kind: o.Kind, Name: o.Namespace + "/" + o.Name, Available: o.Available,
			Message: bounded(o.Message)})
	}
	return out
}

// Inventory returns the result as a NetworkInventory named name, as if its
// status had just been written at now: what the offline audit renders.
func (r *Result) Inventory(name string, spec *v1alpha1.NetworkInventorySpec, now time.Time) *v1alpha1.NetworkInventory {
	ni := &v1alpha1.NetworkInventory{Spec: *spec.DeepCopy(), Status: *r.Status.DeepCopy()}
	ni.Name = name
	t := metav1.NewTime(now)
	ni.Status.LastRecomputeTime, ni.Status.LastChangeTime = &t, &t
	for _, c := range r.Conditions {
		c.LastTransitionTime = t
		ni.Status.Conditions = append(ni.Status.Conditions, c)
	}
	ready := metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "InventoryComputed",
		Message: "computed offline from manifests", LastTransitionTime: t}
	ni.Status.Conditions = append(ni.Status.Conditions, ready)
	return ni
}
