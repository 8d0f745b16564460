package exposure

import (
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
)

// route is the kind-independent view of an HTTPRoute, GRPCRoute, TLSRoute,
// TCPRoute or UDPRoute.
type route struct {
	kind    string
	meta    *metav1.ObjectMeta
	parents []gwv1.ParentReference
	// hostnames is nil for kinds without hostnames (TCP, UDP).
	hostnames    []gwv1.Hostname
	hasHostnames bool
	rules        []routeRule
	status       []gwv1.RouteParentStatus
}

// routeRule is one rule of a route.
type routeRule struct {
	// name is the rule's sectionName, if any.
	name     string
	backends []gwv1.BackendRef
	// redirect is true when the rule answers with a redirect and forwards
	// nowhere.
	redirect bool
	// matches are what requests the rule takes, in words (HTTP paths,
	// gRPC methods); empty for kinds without matches.
	matches []string
}

// label names a rule: its name, else its index.
func (r routeRule) label(index int) string {
	if r.name != "" {
		return r.name
	}
	return fmt.Sprintf("rule %d", index)
}

// httpMatches renders the paths an HTTPRoute rule matches: `/x` for a
// prefix (the default, `/`), `= /x` exact, `~ re` a regular expression.
func httpMatches(rule gwv1.HTTPRouteRule) []string {
	if len(rule.Matches) == 0 {
		return []string{"/"}
	}
	var out []string
	for _, m := range rule.Matches {
		path := "/"
		if m.Path != nil {
			v := "/"
			if m.Path.Value != nil {
				v = *m.Path.Value
			}
			switch {
			case m.Path.Type != nil && *m.Path.Type == gwv1.PathMatchExact:
				path = "= " + v
			case m.Path.Type != nil && *m.Path.Type == gwv1.PathMatchRegularExpression:
				path = "~ " + v
			default:
				path = v
			}
		}
		if !slices.Contains(out, path) {
			out = append(out, path)
		}
	}
	return out
}

// grpcMatches renders the methods a GRPCRoute rule matches, `*` for all.
func grpcMatches(rule gwv1.GRPCRouteRule) []string {
	var out []string
	for _, m := range rule.Matches {
		if m.Method == nil {
			continue
		}
		svc, method := "*", "*"
		if m.Method.Service != nil {
			svc = *m.Method.Service
		}
		if m.Method.Method != nil {
			method = *m.Method.Method
		}
		out = append(out, svc+"/"+method)
	}
	if len(out) == 0 {
		return []string{"*"}
	}
	return out
}

func (r *route) ref() v1alpha1.ObjectRef {
	return v1alpha1.ObjectRef{Kind: r.kind, Namespace: r.meta.Namespace, Name: r.meta.Name}
}

// exposesBackends is false for routes whose every rule only redirects or
// has no backend.
func (r *route) exposesBackends() bool {
	for _, rule := range r.rules {
		if len(rule.backends) > 0 {
			return true
		}
	}
	return false
}

// sectionName is a section name as written, "" when unset.
func sectionName(n *gwv1.SectionName) string {
	if n == nil {
		return ""
	}
	return string(*n)
}

// routesOf returns every route of a Snapshot in a kind-independent form.
func routesOf(s *snapshot.Snapshot) []*route {
	var out []*route
	for i := range s.HTTPRoutes {
		r := &s.HTTPRoutes[i]
		rules := forwardingRules(r.Spec.Rules, func(x gwv1.HTTPRouteRule) (*gwv1.SectionName, []gwv1.BackendRef) {
			return x.Name, backendRefs(x.BackendRefs, func(b gwv1.HTTPBackendRef) gwv1.BackendRef { return b.BackendRef })
		})
		for j, rule := range r.Spec.Rules {
			rules[j].redirect = slices.ContainsFunc(rule.Filters, func(f gwv1.HTTPRouteFilter) bool {
				return f.Type == gwv1.HTTPRouteFilterRequestRedirect
			})
			rules[j].matches = httpMatches(rule)
		}
		out = append(out, &route{kind: "HTTPRoute", meta: &r.ObjectMeta, parents: r.Spec.ParentRefs, hostnames: r.Spec.Hostnames,
			hasHostnames: true, status: r.Status.Parents, rules: rules})
	}
	for i := range s.GRPCRoutes {
		r := &s.GRPCRoutes[i]
		rules := forwardingRules(r.Spec.Rules, func(x gwv1.GRPCRouteRule) (*gwv1.SectionName, []gwv1.BackendRef) {
			return x.Name, backendRefs(x.BackendRefs, func(b gwv1.GRPCBackendRef) gwv1.BackendRef { return b.BackendRef })
		})
		for j, rule := range r.Spec.Rules {
			rules[j].matches = grpcMatches(rule)
		}
		out = append(out, &route{kind: "GRPCRoute", meta: &r.ObjectMeta, parents: r.Spec.ParentRefs, hostnames: r.Spec.Hostnames,
			hasHostnames: true, status: r.Status.Parents, rules: rules})
	}
	for i := range s.TLSRoutes {
		r := &s.TLSRoutes[i]
		out = append(out, &route{kind: "TLSRoute", meta: &r.ObjectMeta, parents: r.Spec.ParentRefs, hostnames: r.Spec.Hostnames,
			hasHostnames: true, status: r.Status.Parents,
			rules: forwardingRules(r.Spec.Rules, func(x gwv1.TLSRouteRule) (*gwv1.SectionName, []gwv1.BackendRef) { return x.Name, x.BackendRefs })})
	}
	for i := range s.TCPRoutes {
		r := &s.TCPRoutes[i]
		out = append(out, &route{kind: "TCPRoute", meta: &r.ObjectMeta, parents: r.Spec.ParentRefs, status: r.Status.Parents,
			rules: forwardingRules(r.Spec.Rules, func(x gwv1.TCPRouteRule) (*gwv1.SectionName, []gwv1.BackendRef) { return x.Name, x.BackendRefs })})
	}
	for i := range s.UDPRoutes {
		r := &s.UDPRoutes[i]
		out = append(out, &route{kind: "UDPRoute", meta: &r.ObjectMeta, parents: r.Spec.ParentRefs, status: r.Status.Parents,
			rules: forwardingRules(r.Spec.Rules, func(x gwv1.UDPRouteRule) (*gwv1.SectionName, []gwv1.BackendRef) { return x.Name, x.BackendRefs })})
	}
	return out
}

// backendRefs returns the BackendRefs of a rule's typed backend references.
func backendRefs[B any](refs []B, of func(B) gwv1.BackendRef) []gwv1.BackendRef {
	out := make([]gwv1.BackendRef, len(refs))
	for i, b := range refs {
		out[i] = of(b)
	}
	return out
}

// forwardingRules turns a route's rules, by their name and backends, into
// routeRules.
func forwardingRules[R any](rules []R, of func(R) (*gwv1.SectionName, []gwv1.BackendRef)) []routeRule {
	out := make([]routeRule, 0, len(rules))
	for _, rule := range rules {
		name, backends := of(rule)
		out = append(out, routeRule{name: sectionName(name), backends: backends})
	}
	return out
}
