// Package exposure is the engine's exposure phase: from the scope it
// attaches routes to gateway listeners, resolves their backends and
// references against ReferenceGrants, decides the authentication of every
// endpoint from SecurityPolicies, and describes gateways, Services,
// SecurityPolicies and ReferenceGrants. It returns values; it changes
// nothing it reads.
package exposure

import (
	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
)

// Result is what the exposure phase computes. Every list is sorted.
type Result struct {
	Gateways         []v1alpha1.GatewayEntry
	Endpoints        []v1alpha1.EndpointEntry
	Services         []v1alpha1.ServiceEntry
	SecurityPolicies []model.SecurityPolicy
	ReferenceGrants  []v1alpha1.ReferenceGrantEntry
	// References are every reference routes, gateways and policies make,
	// once each.
	References []model.Reference
	// RouteProblems are route parent references that expose nothing, or
	// expose with a problem.
	RouteProblems []model.RouteProblem
}

// Compute runs the exposure phase.
func Compute(sc *scope.Scope) *Result {
	routes := routesOf(sc.Snap)
	res := newResolver(sc)
	resolved := resolveBackends(sc, routes, res)
	policies := indexPolicies(sc, routes, res)
	atts, problems := attachRoutes(sc, routes)
	eps := buildEndpoints(sc, atts, resolved, policies)
	refs := mergeReferences(policies.references, resolved.references, policyReferences(sc, res), gatewayReferences(sc, res))
	return &Result{
		Gateways:         gatewayEntries(sc, atts),
		Endpoints:        eps.entries,
		Services:         serviceEntries(sc),
		SecurityPolicies: securityPolicyEntries(sc, policies, eps.uses),
		ReferenceGrants:  referenceGrantEntries(sc, grantUsage(refs)),
		References:       refs,
		RouteProblems:    append(problems, eps.problems...),
	}
}

// BackedNamespaces returns the namespaces whose Services back an endpoint
// of the given exposure through a permitted reference.
func (r *Result) BackedNamespaces(exposure v1alpha1.Exposure) map[string]bool {
	out := map[string]bool{}
	for _, e := range r.Endpoints {
		if e.Exposure != exposure {
			continue
		}
		for _, b := range e.Backends {
			if b.Permitted {
				out[b.Namespace] = true
			}
		}
	}
	return out
}
