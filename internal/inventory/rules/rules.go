// Package rules holds the gap rules: small named pure functions over the
// engine's model, each returning the findings of one kind of gap. Adding a
// rule is a function in its family's file and a line in All.
package rules

import (
	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
)

// Families of rules.
const (
	FamilyExposure = "Exposure"
	FamilyCoverage = "Coverage"
	FamilySpec     = "Spec"
	// FamilyReachability rules join exposure and policies: who may reach
	// an endpoint's pods.
	FamilyReachability = "Reachability"
)

// Rule is one gap rule.
type Rule struct {
	// Name of the rule; findings carry it, acknowledgements name it.
	Name string
	// Family the rule belongs to.
	Family string
	// Feeds are the gap conditions the rule's open findings raise (every
	// Critical finding also raises CriticalFindings).
	Feeds []Feed
	// Check returns the rule's findings, in no particular order.
	Check func(m *model.Model) []v1alpha1.Finding
}

// Feed is a gap condition a rule raises with its open findings of at least
// a priority.
type Feed struct {
	// Condition is the condition type.
	Condition string
	// AtLeast is the least urgent priority that raises it.
	AtLeast v1alpha1.Priority
}

// Raises says whether an open finding of the rule at priority p raises the
// condition.
func (r Rule) Raises(condition string, p v1alpha1.Priority) bool {
	if condition == v1alpha1.ConditionCriticalFindings {
		return p == v1alpha1.PriorityCritical
	}
	for _, f := range r.Feeds {
		if f.Condition == condition && p.Rank() <= f.AtLeast.Rank() {
			return true
		}
	}
	return false
}

// The feeds of the rule families.
var (
	exposureGaps = Feed{v1alpha1.ConditionExposureGaps, v1alpha1.PriorityHigh}
	unguarded    = Feed{v1alpha1.ConditionUnauthenticatedPublicEndpoints, v1alpha1.PriorityLow}
	notIsolated  = Feed{v1alpha1.ConditionNamespacesNotIsolated, v1alpha1.PriorityLow}
	specProblems = Feed{v1alpha1.ConditionSpecProblems, v1alpha1.PriorityLow}
)

// All is every rule, in a fixed order.
var All = []Rule{
	{"PublicEndpointWithoutAuthentication", FamilyExposure, []Feed{exposureGaps, unguarded}, PublicEndpointWithoutAuthentication},
	{"InternalEndpointWithoutAuthentication", FamilyExposure, []Feed{exposureGaps}, InternalEndpointWithoutAuthentication},
	{"OptionalJWTOnPublicEndpoint", FamilyExposure, []Feed{exposureGaps}, OptionalJWTOnPublicEndpoint},
	{"RouteNotAccepted", FamilyExposure, []Feed{exposureGaps}, RouteNotAccepted},
	{"RouteAttachesNowhere", FamilyExposure, []Feed{exposureGaps}, RouteAttachesNowhere},
	{"StaleRouteStatus", FamilyExposure, []Feed{exposureGaps}, StaleRouteStatus},
	{"BackendServiceMissing", FamilyExposure, []Feed{exposureGaps}, BackendServiceMissing},
	{"CrossNamespaceReferenceWithoutGrant", FamilyExposure, []Feed{exposureGaps}, CrossNamespaceReferenceWithoutGrant},
	{"UnusedReferenceGrant", FamilyExposure, []Feed{exposureGaps}, UnusedReferenceGrant},
	{"SecurityPolicyTargetsNothing", FamilyExposure, []Feed{exposureGaps}, SecurityPolicyTargetsNothing},
	{"SecurityPolicyOverridden", FamilyExposure, []Feed{exposureGaps}, SecurityPolicyOverridden},
	{"NodePortExposure", FamilyExposure, []Feed{exposureGaps}, NodePortExposure},
	{"PublicLoadBalancerService", FamilyExposure, []Feed{exposureGaps}, PublicLoadBalancerService},
	{"ExposureNotExplicit", FamilyExposure, nil, ExposureNotExplicit},
	{"RouteBackendDeniesGateway", FamilyReachability, []Feed{exposureGaps}, RouteBackendDeniesGateway},
	{"GatewayAuthenticationBypass", FamilyReachability, []Feed{exposureGaps}, GatewayAuthenticationBypass},
	{"PublicBackendEgressToWorld", FamilyReachability, nil, PublicBackendEgressToWorld},
	{"NamespaceWithoutPolicies", FamilyCoverage, []Feed{notIsolated}, NamespaceWithoutPolicies},
	{"PodsNotIsolated", FamilyCoverage, nil, PodsNotIsolated},
	{"SelectedNotIsolated", FamilyCoverage, []Feed{notIsolated}, SelectedNotIsolated},
	{"PolicySelectsNoPods", FamilyCoverage, nil, PolicySelectsNoPods},
	{"InvalidPolicySelector", FamilyCoverage, nil, InvalidPolicySelector},
	{"CiliumPolicyNotValid", FamilyCoverage, nil, CiliumPolicyNotValid},
	{"PolicyKindsDisagree", FamilyCoverage, nil, PolicyKindsDisagree},
	{"PolicyEnforcementDisabled", FamilyCoverage, nil, PolicyEnforcementDisabled},
	{"InvalidSpecField", FamilySpec, []Feed{specProblems}, InvalidSpecField},
}

// Run runs every rule and stamps each finding with its rule's name.
func Run(m *model.Model) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	for _, r := range All {
		for _, f := range r.Check(m) {
			f.Rule = r.Name
			out = append(out, f)
		}
	}
	return out
}

// ByName returns the rule of a name, and whether there is one.
func ByName(name string) (Rule, bool) {
	for _, r := range All {
		if r.Name == name {
			return r, true
		}
	}
	return Rule{}, false
}
