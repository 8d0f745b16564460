package rules

import (
	"fmt"
	"slices"
	"strings"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
)

func endpointSubject(e v1alpha1.EndpointEntry) string {
	if e.Hostname == "" {
		return fmt.Sprintf("%s:%d", e.Gateway, e.Port)
	}
	return e.Hostname
}

func routeObject(r v1alpha1.ObjectRef) *v1alpha1.ObjectRef { return &r }

// unauthenticated returns findings for the endpoints of an exposure that
// nothing authenticates, once per hostname and route.
func unauthenticated(m *model.Model, exposure v1alpha1.Exposure, priority v1alpha1.Priority, recommendation string) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	seen := map[string]bool{}
	for _, e := range m.Endpoints {
		if e.Exposure != exposure || e.Authentication.Mode != v1alpha1.AuthenticationNone {
			continue
		}
		key := endpointSubject(e) + "|" + e.Route.Namespace + "/" + e.Route.Name
		if seen[key] {
			continue
		}
		seen[key] = true
		why := "no SecurityPolicy applies and none is declared"
		if guarded := guardedRules(e.Authentication); guarded != "" {
			why = guarded
		}
		out = append(out, v1alpha1.Finding{
			Priority: priority, Subject: endpointSubject(e), Object: routeObject(e.Route),
			Message: fmt.Sprintf("%s endpoint %s (port %d on %s, %s %s/%s) has no authentication: %s",
				strings.ToLower(string(exposure)), endpointSubject(e), e.Port, e.Gateway, e.Route.Kind, e.Route.Namespace, e.Route.Name, why),
			Recommendation: recommendation,
		})
	}
	return out
}

// guardedRules says which rules of an endpoint are guarded and which are
// open, e.g. "SecurityPolicy web/app-oidc guards rule web (/), not rule 1
// (/api)"; "" when its rules are guarded alike.
func guardedRules(a v1alpha1.Authentication) string {
	var guarded, open []string
	policies := map[string]bool{}
	for _, r := range a.Rules {
		name := r.Rule
		if len(r.Paths) > 0 {
			name += " (" + strings.Join(r.Paths, ", ") + ")"
		}
		if r.Mode == v1alpha1.AuthenticationNone {
			open = append(open, name)
			continue
		}
		guarded = append(guarded, name)
		if r.Policy != "" {
			policies[r.Policy] = true
		}
	}
	if len(guarded) == 0 || len(open) == 0 {
		return ""
	}
	by := "authentication"
	if len(policies) > 0 {
		names := make([]string, 0, len(policies))
		for p := range policies {
			names = append(names, p)
		}
		slices.Sort(names)
		by = "SecurityPolicy " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s guards %s, not %s", by, strings.Join(guarded, ", "), strings.Join(open, ", "))
}

// PublicEndpointWithoutAuthentication: a hostname reachable from the
// internet that nothing authenticates.
func PublicEndpointWithoutAuthentication(m *model.Model) []v1alpha1.Finding {
	return unauthenticated(m, v1alpha1.ExposurePublic, v1alpha1.PriorityCritical,
		"Attach a SecurityPolicy (JWT, OIDC, basic or API key auth) to the route, or declare the backend's own authentication with the netinventory.io/authentication annotation; acknowledge it if the endpoint is public by design.")
}

// InternalEndpointWithoutAuthentication: a hostname reachable from internal
// networks that nothing authenticates.
func InternalEndpointWithoutAuthentication(m *model.Model) []v1alpha1.Finding {
	return unauthenticated(m, v1alpha1.ExposureInternal, v1alpha1.PriorityMedium,
		"Internal is not trusted: add authentication to the route or declare the backend's own with netinventory.io/authentication.")
}

// OptionalJWTOnPublicEndpoint: a public endpoint whose JWT policy lets
// requests without a token through. With an authentication the backend
// declares it is less urgent.
func OptionalJWTOnPublicEndpoint(m *model.Model) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	seen := map[string]bool{}
	for _, e := range m.Endpoints {
		if e.Exposure != v1alpha1.ExposurePublic || e.Authentication.Mode != v1alpha1.AuthenticationOptional || seen[endpointSubject(e)] {
			continue
		}
		seen[endpointSubject(e)] = true
		f := v1alpha1.Finding{Priority: v1alpha1.PriorityHigh, Subject: endpointSubject(e), Object: routeObject(e.Route),
			Message: fmt.Sprintf("public endpoint %s: JWT from %s is optional, requests without a token reach the backend",
				endpointSubject(e), e.Authentication.Policy),
			Recommendation: "Make the JWT required, or make sure the backend authenticates requests without a token."}
		if e.Authentication.Declared != "" {
			f.Priority = v1alpha1.PriorityMedium
			f.Message += fmt.Sprintf(" (the backend declares %q)", e.Authentication.Declared)
		}
		out = append(out, f)
	}
	return out
}

func routeProblems(m *model.Model, reasons []model.ProblemReason, priority v1alpha1.Priority, recommendation string) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	for _, p := range m.RouteProblems {
		if !slices.Contains(reasons, p.Reason) {
			continue
		}
		out = append(out, v1alpha1.Finding{
			Priority: priority, Subject: p.Route.Namespace + "/" + p.Route.Name, Object: routeObject(p.Route),
			Message: fmt.Sprintf("%s %s/%s: %s", p.Route.Kind, p.Route.Namespace, p.Route.Name, p.Message), Recommendation: recommendation,
		})
	}
	return out
}

// RouteNotAccepted: a route its gateway's controller refused, or whose
// references it could not resolve.
func RouteNotAccepted(m *model.Model) []v1alpha1.Finding {
	return routeProblems(m, []model.ProblemReason{model.ProblemNotAccepted, model.ProblemUnresolvedRefs}, v1alpha1.PriorityHigh,
		"Read the route's status.parents conditions and fix the reference or the parent it names.")
}

// RouteAttachesNowhere: a route whose parent does not exist, has no
// matching listener, does not admit it, or shares no hostname with it; or
// whose every backend is refused.
func RouteAttachesNowhere(m *model.Model) []v1alpha1.Finding {
	return routeProblems(m, []model.ProblemReason{model.ProblemParentNotFound, model.ProblemNoMatchingListener,
		model.ProblemNotAllowedByListener, model.ProblemNoMatchingHostname, model.ProblemNoPermittedBackend},
		v1alpha1.PriorityMedium, "Fix the parentRefs (name, namespace, sectionName, port), the listener's allowedRoutes or hostnames, or delete the route.")
}

// StaleRouteStatus: a route whose status is for an older generation: its
// gateway's controller has not processed the current spec (it may be down).
func StaleRouteStatus(m *model.Model) []v1alpha1.Finding {
	return routeProblems(m, []model.ProblemReason{model.ProblemStaleStatus}, v1alpha1.PriorityLow,
		"Check the gateway controller is running and reconciling; the route is judged by its spec meanwhile.")
}

// BackendServiceMissing: a route forwards to a Service that does not exist.
func BackendServiceMissing(m *model.Model) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	for _, r := range m.References {
		if r.Exists || r.To.Kind != "Service" || r.ToGroup != "" {
			continue
		}
		out = append(out, v1alpha1.Finding{
			Priority: v1alpha1.PriorityHigh, Subject: r.To.Namespace + "/" + r.To.Name, Object: routeObject(r.From),
			Message:        fmt.Sprintf("%s %s/%s refers to Service %s/%s, which does not exist", r.From.Kind, r.From.Namespace, r.From.Name, r.To.Namespace, r.To.Name),
			Recommendation: "Create the Service or fix the reference; requests to it fail.",
		})
	}
	return out
}

// CrossNamespaceReferenceWithoutGrant: a reference to another namespace
// that no ReferenceGrant permits; the referent is unreachable.
func CrossNamespaceReferenceWithoutGrant(m *model.Model) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	for _, r := range m.References {
		if !r.CrossNamespace || r.Permitted {
			continue
		}
		group := r.FromGroup
		if group == "" {
			group = `""`
		}
		out = append(out, v1alpha1.Finding{
			Priority: v1alpha1.PriorityHigh, Subject: r.From.Namespace + "/" + r.From.Name, Object: routeObject(r.From),
			Message: fmt.Sprintf("%s %s/%s refers to %s %s/%s, and no ReferenceGrant in %s allows it", r.From.Kind, r.From.Namespace,
				r.From.Name, r.To.Kind, r.To.Namespace, r.To.Name, r.To.Namespace),
			Recommendation: fmt.Sprintf("Add a ReferenceGrant in %s from {group: %s, kind: %s, namespace: %s} to {kind: %s, name: %s}.",
				r.To.Namespace, group, r.From.Kind, r.From.Namespace, r.To.Kind, r.To.Name),
		})
	}
	return out
}

// UnusedReferenceGrant: a ReferenceGrant no reference relies on.
func UnusedReferenceGrant(m *model.Model) []v1alpha1.Finding {
	return where(m.ReferenceGrants, func(g v1alpha1.ReferenceGrantEntry) (v1alpha1.Finding, bool) {
		return objectFinding(v1alpha1.PriorityLow, "ReferenceGrant", g.Namespace, g.Name,
			fmt.Sprintf("permits no reference that exists (%s)", g.Purpose),
			"Delete it, or check the from group/kind/namespace of the references it was meant for."), g.References == 0
	})
}

// SecurityPolicyTargetsNothing: a SecurityPolicy none of whose targets
// exists or whose selectors match nothing: it protects nothing.
func SecurityPolicyTargetsNothing(m *model.Model) []v1alpha1.Finding {
	return where(m.SecurityPolicies, func(p model.SecurityPolicy) (v1alpha1.Finding, bool) {
		return objectFinding(v1alpha1.PriorityMedium, "SecurityPolicy", p.Namespace, p.Name,
			fmt.Sprintf("targets nothing that exists (%s): what it was meant to protect is not protected by it", strings.Join(p.Targets, ", ")),
			"Fix its targetRefs or targetSelectors (targets must be in the policy's namespace unless selected with namespaces and a ReferenceGrant)."), p.TargetsFound == 0
	})
}

// SecurityPolicyOverridden: a gateway- or route-level SecurityPolicy that a
// more specific one replaces on some endpoints.
func SecurityPolicyOverridden(m *model.Model) []v1alpha1.Finding {
	return where(m.SecurityPolicies, func(p model.SecurityPolicy) (v1alpha1.Finding, bool) {
		return objectFinding(v1alpha1.PriorityLow, "SecurityPolicy", p.Namespace, p.Name,
			"is replaced by a more specific policy on "+scope.Named(endpointNames(p.OverriddenFor), 3),
			"Check the more specific policy enforces at least as much; set mergeType on it to merge instead of replace."), len(p.OverriddenFor) > 0
	})
}

// NodePortExposure: a Service opening a port on every node. NodePort
// Services are Medium; the node ports LoadBalancer Services allocate are Low.
func NodePortExposure(m *model.Model) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	for _, s := range m.Services {
		var ports []string
		for _, p := range s.Ports {
			if p.NodePort != 0 {
				ports = append(ports, fmt.Sprintf("%d", p.NodePort))
			}
		}
		if len(ports) == 0 {
			continue
		}
		f := v1alpha1.Finding{
			Priority: v1alpha1.PriorityMedium, Subject: s.Namespace + "/" + s.Name,
			Object:         &v1alpha1.ObjectRef{Kind: "Service", Namespace: s.Namespace, Name: s.Name},
			Message:        fmt.Sprintf("NodePort Service %s/%s opens node ports %s on every node", s.Namespace, s.Name, strings.Join(ports, ", ")),
			Recommendation: "Prefer a ClusterIP Service behind a gateway, or restrict the node ports with a host firewall or a Cilium host policy.",
		}
		if s.Type == "LoadBalancer" {
			f.Priority = v1alpha1.PriorityLow
			f.Message = fmt.Sprintf("LoadBalancer Service %s/%s also opens node ports %s on every node", s.Namespace, s.Name, strings.Join(ports, ", "))
			f.Recommendation = "Set spec.allocateLoadBalancerNodePorts: false if the load balancer does not need them."
		}
		out = append(out, f)
	}
	return out
}

// where returns the findings of the items for which finding says true.
func where[T any](items []T, finding func(T) (v1alpha1.Finding, bool)) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	for _, item := range items {
		if f, ok := finding(item); ok {
			out = append(out, f)
		}
	}
	return out
}

// objectFinding is a finding about one object, its subject the object's
// namespace/name and its message led by "Kind namespace/name".
func objectFinding(p v1alpha1.Priority, kind, namespace, name, message, recommendation string) v1alpha1.Finding {
	return v1alpha1.Finding{Priority: p, Subject: namespace + "/" + name,
		Object:  &v1alpha1.ObjectRef{Kind: kind, Namespace: namespace, Name: name},
		Message: fmt.Sprintf("%s %s/%s %s", kind, namespace, name, message), Recommendation: recommendation}
}

// endpointNames renders endpoint references.
func endpointNames(refs []model.EndpointRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.String()
	}
	return out
}

// isJudged says whether an exposure was judged rather than declared.
func isJudged(source string) bool {
	return source == v1alpha1.ExposureSourceEvidence || source == v1alpha1.ExposureSourceDefault
}

// ExposureNotExplicit: gateways and LoadBalancer Services whose exposure
// no spec rule or annotation sets, judged by evidence or by the default.
// One finding lists them all, with the rules that would make the
// judgement explicit.
func ExposureNotExplicit(m *model.Model) []v1alpha1.Finding {
	var judged []string
	byExposure := map[v1alpha1.Exposure][]string{}
	for _, g := range m.Gateways {
		if isJudged(g.ExposureSource) {
			judged = append(judged, fmt.Sprintf("Gateway %s/%s (%s, by %s)", g.Namespace, g.Name, g.Exposure, strings.ToLower(g.ExposureSource)))
			byExposure[g.Exposure] = append(byExposure[g.Exposure], fmt.Sprintf("{namespace: %s, name: %s}", g.Namespace, g.Name))
		}
	}
	services := map[v1alpha1.Exposure][]string{}
	for _, s := range m.Services {
		if s.Type == "LoadBalancer" && isJudged(s.ExposureSource) {
			judged = append(judged, fmt.Sprintf("Service %s/%s (%s, by %s)", s.Namespace, s.Name, s.Exposure, strings.ToLower(s.ExposureSource)))
			services[s.Exposure] = append(services[s.Exposure], fmt.Sprintf("{namespace: %s, name: %s}", s.Namespace, s.Name))
		}
	}
	if len(judged) == 0 {
		return nil
	}
	var rules []string
	for _, e := range v1alpha1.Exposures {
		if len(byExposure[e]) == 0 && len(services[e]) == 0 {
			continue
		}
		rule := "{exposure: " + string(e)
		if len(byExposure[e]) > 0 {
			rule += ", gateways: [" + strings.Join(byExposure[e], ", ") + "]"
		}
		if len(services[e]) > 0 {
			rule += ", services: [" + strings.Join(services[e], ", ") + "]"
		}
		rules = append(rules, rule+"}")
	}
	return []v1alpha1.Finding{{
		Priority: v1alpha1.PriorityLow, Subject: "spec.exposure",
		Message: fmt.Sprintf("%d exposures are judged, not declared: %s; their exposureEvidence says why",
			len(judged), scope.Named(judged, 8)),
		Recommendation: "Declare them once checked: spec.exposure.rules: [" + strings.Join(rules, ", ") + "]",
	}}
}

// PublicLoadBalancerService: a LoadBalancer Service judged public, other
// than the one a gateway's proxies run behind (its endpoints are judged
// one by one): its ports are open to the internet with no gateway
// authentication in front. High; Medium when source ranges restrict the
// clients. Judged the same live and offline: the node ports a manifest
// does not list play no part.
func PublicLoadBalancerService(m *model.Model) []v1alpha1.Finding {
	return where(m.Services, func(s v1alpha1.ServiceEntry) (v1alpha1.Finding, bool) {
		if s.Type != "LoadBalancer" || s.Exposure != v1alpha1.ExposurePublic || s.ExposureSource == v1alpha1.ExposureSourceGateway {
			return v1alpha1.Finding{}, false
		}
		var ports []string
		for _, p := range s.Ports {
			ports = append(ports, fmt.Sprintf("%d/%s", p.Port, p.Protocol))
		}
		priority, clients := v1alpha1.PriorityHigh, "any client"
		if len(s.SourceRanges) > 0 {
			priority, clients = v1alpha1.PriorityMedium, "clients in "+strings.Join(s.SourceRanges, ", ")
		}
		return objectFinding(priority, "Service", s.Namespace, s.Name,
			fmt.Sprintf("is a public load balancer (exposure decided by %s): ports %s are open to %s, with no gateway authentication in front",
				strings.ToLower(s.ExposureSource), strings.Join(ports, ", "), clients),
			"Put the service behind a gateway with authentication, restrict loadBalancerSourceRanges, or classify it Internal (spec.exposure.rules or the netinventory.io/exposure annotation) if it is not reachable from the internet."), true
	})
}
