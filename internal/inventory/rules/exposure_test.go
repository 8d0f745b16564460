package rules

import (
	"strings"
	"testing"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
)

func endpoint(host string, exposure v1alpha1.Exposure, mode v1alpha1.AuthenticationMode, declared string) v1alpha1.EndpointEntry {
	return v1alpha1.EndpointEntry{Hostname: host, Port: 443, Gateway: "gw/edge", Listener: "https", Exposure: exposure,
		Route:          v1alpha1.ObjectRef{Kind: "HTTPRoute", Namespace: "app", Name: host},
		Authentication: v1alpha1.Authentication{Mode: mode, Declared: declared, Policy: "gw/p"}}
}

// subjects runs a rule and lists "priority subject" of its findings.
func subjects(check func(*model.Model) []v1alpha1.Finding, m *model.Model) string {
	var out []string
	for _, f := range check(m) {
		if f.Message == "" {
			out = append(out, "NO MESSAGE")
		}
		out = append(out, string(f.Priority)+" "+f.Subject)
	}
	return strings.Join(out, ", ")
}

func TestEndpointAuthenticationRules(t *testing.T) {
	m := &model.Model{Endpoints: []v1alpha1.EndpointEntry{
		endpoint("open.example.com", v1alpha1.ExposurePublic, v1alpha1.AuthenticationNone, ""),
		endpoint("sso.example.com", v1alpha1.ExposurePublic, v1alpha1.AuthenticationRequired, ""),
		endpoint("hmac.example.com", v1alpha1.ExposurePublic, v1alpha1.AuthenticationDeclared, "hmac"),
		endpoint("opt.example.com", v1alpha1.ExposurePublic, v1alpha1.AuthenticationOptional, ""),
		endpoint("optkey.example.com", v1alpha1.ExposurePublic, v1alpha1.AuthenticationOptional, "api-key"),
		endpoint("lan.example.com", v1alpha1.ExposureInternal, v1alpha1.AuthenticationNone, ""),
		endpoint("lanopt.example.com", v1alpha1.ExposureInternal, v1alpha1.AuthenticationOptional, ""),
	}}
	tests := []struct {
		name  string
		check func(*model.Model) []v1alpha1.Finding
		want  string
	}{
		{"PublicEndpointWithoutAuthentication", PublicEndpointWithoutAuthentication, "Critical open.example.com"},
		{"InternalEndpointWithoutAuthentication", InternalEndpointWithoutAuthentication, "Medium lan.example.com"},
		{"OptionalJWTOnPublicEndpoint", OptionalJWTOnPublicEndpoint, "High opt.example.com, Medium optkey.example.com"},
	}
	for _, tt := range tests {
		if got := subjects(tt.check, m); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestRouteProblemRules(t *testing.T) {
	m := &model.Model{RouteProblems: []model.RouteProblem{
		{Route: v1alpha1.ObjectRef{Kind: "HTTPRoute", Namespace: "a", Name: "refused"}, Reason: "NotAccepted", Message: "m"},
		{Route: v1alpha1.ObjectRef{Kind: "HTTPRoute", Namespace: "a", Name: "dangling"}, Reason: "UnresolvedRefs", Message: "m"},
		{Route: v1alpha1.ObjectRef{Kind: "HTTPRoute", Namespace: "a", Name: "orphan"}, Reason: "ParentNotFound", Message: "m"},
		{Route: v1alpha1.ObjectRef{Kind: "HTTPRoute", Namespace: "a", Name: "elsewhere"}, Reason: "NoMatchingHostname", Message: "m"},
		{Route: v1alpha1.ObjectRef{Kind: "HTTPRoute", Namespace: "a", Name: "lagging"}, Reason: "StaleStatus", Message: "m"},
	}}
	if got := subjects(StaleRouteStatus, m); got != "Low a/lagging" {
		t.Errorf("StaleRouteStatus: %q", got)
	}
	if got := subjects(RouteNotAccepted, m); got != "High a/refused, High a/dangling" {
		t.Errorf("RouteNotAccepted: %q", got)
	}
	if got := subjects(RouteAttachesNowhere, m); got != "Medium a/orphan, Medium a/elsewhere" {
		t.Errorf("RouteAttachesNowhere: %q", got)
	}
}

func TestReferenceRules(t *testing.T) {
	route := v1alpha1.ObjectRef{Kind: "HTTPRoute", Namespace: "net", Name: "r"}
	m := &model.Model{
		References: []model.Reference{
			{From: route, To: v1alpha1.ObjectRef{Kind: "Service", Namespace: "app", Name: "gone"}, CrossNamespace: true, Permitted: true, Exists: false},
			{From: route, To: v1alpha1.ObjectRef{Kind: "Service", Namespace: "app", Name: "nogrant"}, CrossNamespace: true, Permitted: false, Exists: true},
			{From: route, To: v1alpha1.ObjectRef{Kind: "Service", Namespace: "net", Name: "fine"}, Permitted: true, Exists: true},
			{From: route, To: v1alpha1.ObjectRef{Kind: "Backend", Namespace: "net", Name: "eg"}, ToGroup: "gateway.envoyproxy.io", Permitted: true, Exists: true},
		},
		ReferenceGrants: []v1alpha1.ReferenceGrantEntry{{Namespace: "app", Name: "used", References: 2}, {Namespace: "app", Name: "stale"}},
	}
	if got := subjects(BackendServiceMissing, m); got != "High app/gone" {
		t.Errorf("BackendServiceMissing: %q", got)
	}
	if got := subjects(CrossNamespaceReferenceWithoutGrant, m); got != "High net/r" {
		t.Errorf("CrossNamespaceReferenceWithoutGrant: %q", got)
	}
	if got := subjects(UnusedReferenceGrant, m); got != "Low app/stale" {
		t.Errorf("UnusedReferenceGrant: %q", got)
	}
	f := CrossNamespaceReferenceWithoutGrant(m)[0]
	if !strings.Contains(f.Recommendation, "namespace: net") || !strings.Contains(f.Recommendation, "ReferenceGrant in app") {
		t.Errorf("the recommendation spells the grant to add: %s", f.Recommendation)
	}
}

func TestSecurityPolicyRules(t *testing.T) {
	p := func(name string, found int, overridden ...string) model.SecurityPolicy {
		var at []model.EndpointRef
		for _, route := range overridden {
			at = append(at, model.EndpointRef{Gateway: v1alpha1.ObjectRef{Kind: "Gateway", Namespace: "net", Name: "gw"},
				Listener: "https", Route: v1alpha1.ObjectRef{Kind: "HTTPRoute", Namespace: "app", Name: route}})
		}
		return model.SecurityPolicy{SecurityPolicyEntry: v1alpha1.SecurityPolicyEntry{Namespace: "net", Name: name},
			TargetsFound: found, OverriddenFor: at}
	}
	m := &model.Model{SecurityPolicies: []model.SecurityPolicy{p("ok", 1), p("ghost", 0), p("shadowed", 1, "a", "b", "c", "d")}}
	if got := subjects(SecurityPolicyTargetsNothing, m); got != "Medium net/ghost" {
		t.Errorf("SecurityPolicyTargetsNothing: %q", got)
	}
	if got := subjects(SecurityPolicyOverridden, m); got != "Low net/shadowed" {
		t.Errorf("SecurityPolicyOverridden: %q", got)
	}
	if msg := SecurityPolicyOverridden(m)[0].Message; !strings.Contains(msg, "net/gw/https app/a, net/gw/https app/b, net/gw/https app/c and 1 more") {
		t.Errorf("names the worst items and counts the rest: %s", msg)
	}
}

func TestNodePortExposure(t *testing.T) {
	m := &model.Model{Services: []v1alpha1.ServiceEntry{
		{Namespace: "kube-system", Name: "registry", Type: "NodePort", Ports: []v1alpha1.ServicePortEntry{{Port: 5000, NodePort: 30021}}},
		{Namespace: "net", Name: "lb", Type: "LoadBalancer", Ports: []v1alpha1.ServicePortEntry{{Port: 443, NodePort: 31443}}},
		{Namespace: "net", Name: "lb-no-nodeports", Type: "LoadBalancer", Ports: []v1alpha1.ServicePortEntry{{Port: 443}}},
	}}
	if got := subjects(NodePortExposure, m); got != "Medium kube-system/registry, Low net/lb" {
		t.Errorf("NodePortExposure: %q", got)
	}
}

func TestEveryRuleIsRegisteredOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All {
		if seen[r.Name] || r.Check == nil || r.Family == "" {
			t.Errorf("rule %q registered twice or incomplete", r.Name)
		}
		seen[r.Name] = true
	}
}
