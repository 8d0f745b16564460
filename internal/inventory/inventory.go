// Package inventory is the pure engine: from a Snapshot of source objects
// and a NetworkInventory spec it computes the inventory. It never calls a
// client, reads the clock only through its argument, and is deterministic:
// every list it emits is sorted.
package inventory

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/rules"
	"netinventory.io/netinventory/internal/snapshot"
)

// Annotations read from source objects.
const (
	// AnnotationPurpose says what an object is for.
	AnnotationPurpose = "netinventory.io/purpose"
	// AnnotationExposure classifies a Gateway or Service: public|internal.
	AnnotationExposure = "netinventory.io/exposure"
	// AnnotationAuthentication declares authentication the cluster cannot
	// see on a route or Service, e.g. native or hmac.
	AnnotationAuthentication = "netinventory.io/authentication"
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
}

// Compute computes the inventory of a Snapshot under a spec at time now.
// It returns an error only for a spec it cannot apply (an invalid
// namespace selector); bad source objects become findings.
func Compute(snap *snapshot.Snapshot, spec *v1alpha1.NetworkInventorySpec, now time.Time) (*Result, error) {
	m, err := newEngine(snap, spec, now)
	if err != nil {
		return nil, err
	}
	md := m.buildModel()
	findings := acknowledge(rules.Run(md), spec.Acknowledgements, now)
	sortFindings(findings)

	st := v1alpha1.NetworkInventoryStatus{Sources: sourceStatuses(snap)}
	n := m.limits.perList
	st.Gateways = v1alpha1.GatewayList{Items: capped(md.Gateways, n), Total: count(md.Gateways), Truncated: len(md.Gateways) > n}
	st.Endpoints = v1alpha1.EndpointList{Items: capped(md.Endpoints, n), Total: count(md.Endpoints), Truncated: len(md.Endpoints) > n}
	st.Services = v1alpha1.ServiceList{Items: capped(md.Services, n), Total: count(md.Services), Truncated: len(md.Services) > n}
	policies := make([]v1alpha1.SecurityPolicyEntry, 0, len(md.SecurityPolicies))
	for _, p := range md.SecurityPolicies {
		policies = append(policies, p.SecurityPolicyEntry)
	}
	st.SecurityPolicies = v1alpha1.SecurityPolicyList{Items: capped(policies, n), Total: count(policies), Truncated: len(policies) > n}
	st.NetworkPolicies = v1alpha1.NetworkPolicyList{Items: capped(md.NetworkPolicies, n), Total: count(md.NetworkPolicies), Truncated: len(md.NetworkPolicies) > n}
	st.ReferenceGrants = v1alpha1.ReferenceGrantList{Items: capped(md.ReferenceGrants, n), Total: count(md.ReferenceGrants), Truncated: len(md.ReferenceGrants) > n}
	st.Namespaces = v1alpha1.NamespaceList{Items: capped(md.Namespaces, n), Total: count(md.Namespaces), Truncated: len(md.Namespaces) > n}
	st.Flows = v1alpha1.FlowList{Items: capped(md.Flows, n), Total: count(md.Flows), Truncated: len(md.Flows) > n}
	fn := m.limits.findings
	st.Findings = v1alpha1.FindingList{Items: capped(findings, fn), Total: count(findings), Truncated: len(findings) > fn}
	st.Summary = summarize(md, findings)
	conds := conditions(snap, md, findings)
	fitBudget(&st, conds, StatusBudget)
	return &Result{Status: st, Conditions: conds, Model: md, Findings: findings}, nil
}

// buildModel computes the intermediate model the rules run on.
func (m *engine) buildModel() *model.Model {
	md := &model.Model{Now: m.now, Spec: m.spec}
	for i, err := range m.exposure.invalid {
		md.SpecProblems = append(md.SpecProblems, fmt.Sprintf("spec.exposure.rules[%d].selector: %v", i, err))
	}
	md.Gateways = m.gatewayEntries()
	atts, problems := m.exposures()
	md.Endpoints, md.RouteProblems = m.endpointEntries(atts)
	md.RouteProblems = append(problems, md.RouteProblems...)
	m.recordRouteReferences()
	m.recordPolicyReferences()
	m.recordGatewayReferences()
	m.countAttachedRoutes(md.Gateways, atts)
	md.Services = m.serviceEntries()
	md.SecurityPolicies = m.securityPolicies()
	md.ReferenceGrants = m.referenceGrantEntries()
	md.References = m.refs.sorted()
	m.coverageEntries(md)
	md.Flows = m.flows()
	return md
}

// recordRouteReferences records every backend reference of every route in
// scope, attached or not.
func (m *engine) recordRouteReferences() {
	for _, r := range m.routes {
		if m.inNamespaceScope(r.meta.Namespace) {
			m.backendEntries(r)
		}
	}
}

// countAttachedRoutes sets each listener's number of attached routes.
func (m *engine) countAttachedRoutes(gateways []v1alpha1.GatewayEntry, atts []attachment) {
	counts := map[string]map[string]bool{}
	for _, a := range atts {
		key := a.gateway.Namespace + "/" + a.gateway.Name + "/" + string(a.listener.Name)
		if counts[key] == nil {
			counts[key] = map[string]bool{}
		}
		counts[key][a.route.kind+"/"+a.route.meta.Namespace+"/"+a.route.meta.Name] = true
	}
	for i := range gateways {
		for j := range gateways[i].Listeners {
			l := &gateways[i].Listeners[j]
			l.AttachedRoutes = int32(len(counts[gateways[i].Namespace+"/"+gateways[i].Name+"/"+l.Name]))
		}
	}
}

// capped returns at most n items of a sorted list.
func capped[T any](items []T, n int) []T {
	if len(items) > n {
		return items[:n]
	}
	return items
}

func count[T any](items []T) int32 { return int32(len(items)) }

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
	return out
}

// invalidSpecError is returned for a spec the engine cannot apply.
func invalidSpecError(field string, err error) error {
	return fmt.Errorf("spec.%s: %w", field, err)
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
