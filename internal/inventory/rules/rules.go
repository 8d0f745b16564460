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
)

// Rule is one gap rule.
type Rule struct {
	// Name of the rule; findings carry it, acknowledgements name it.
	Name string
	// Family the rule belongs to.
	Family string
	// Check returns the rule's findings, in no particular order.
	Check func(m *model.Model) []v1alpha1.Finding
}

// All is every rule, in a fixed order.
var All = []Rule{
	{"PublicEndpointWithoutAuthentication", FamilyExposure, PublicEndpointWithoutAuthentication},
	{"InternalEndpointWithoutAuthentication", FamilyExposure, InternalEndpointWithoutAuthentication},
	{"OptionalJWTOnPublicEndpoint", FamilyExposure, OptionalJWTOnPublicEndpoint},
	{"RouteNotAccepted", FamilyExposure, RouteNotAccepted},
	{"RouteAttachesNowhere", FamilyExposure, RouteAttachesNowhere},
	{"StaleRouteStatus", FamilyExposure, StaleRouteStatus},
	{"BackendServiceMissing", FamilyExposure, BackendServiceMissing},
	{"CrossNamespaceReferenceWithoutGrant", FamilyExposure, CrossNamespaceReferenceWithoutGrant},
	{"UnusedReferenceGrant", FamilyExposure, UnusedReferenceGrant},
	{"SecurityPolicyTargetsNothing", FamilyExposure, SecurityPolicyTargetsNothing},
	{"SecurityPolicyOverridden", FamilyExposure, SecurityPolicyOverridden},
	{"NodePortExposure", FamilyExposure, NodePortExposure},
	{"NamespaceWithoutPolicies", FamilyCoverage, NamespaceWithoutPolicies},
	{"PodsNotIsolated", FamilyCoverage, PodsNotIsolated},
	{"SelectedNotIsolated", FamilyCoverage, SelectedNotIsolated},
	{"PolicySelectsNoPods", FamilyCoverage, PolicySelectsNoPods},
	{"InvalidPolicySelector", FamilyCoverage, InvalidPolicySelector},
	{"CiliumPolicyNotValid", FamilyCoverage, CiliumPolicyNotValid},
	{"PolicyKindsDisagree", FamilyCoverage, PolicyKindsDisagree},
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

// FamilyOf returns the family of a rule by name.
func FamilyOf(rule string) string {
	for _, r := range All {
		if r.Name == rule {
			return r.Family
		}
	}
	return ""
}
