package inventory

import (
	"fmt"
	"strings"
	"testing"

	"netinventory.io/netinventory/api/v1alpha1"
)

// securityPolicy is a SecurityPolicy in namespace ns created at minute
// created, with the given targeting and method YAML.
func securityPolicy(ns, name string, created int, target, method string) string {
	return fmt.Sprintf(`apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: %s, namespace: %s, creationTimestamp: "2026-01-01T00:%02d:00Z"}
spec:
  %s
  %s`, name, ns, created, target, method)
}

const (
	jwtRequired = `jwt: {providers: [{name: idp, issuer: "https://idp.example.com", remoteJWKS: {uri: "https://idp.example.com/jwks"}}]}`
	jwtOptional = `jwt: {optional: true, providers: [{name: idp, remoteJWKS: {uri: "https://idp.example.com/jwks"}}]}`
	basicAuth   = `basicAuth: {users: {name: htpasswd}}`
	oidc        = `oidc: {provider: {issuer: "https://idp.example.com"}, clientID: gw, clientSecret: {name: s}}`
	authzAllow  = `authorization: {defaultAction: Allow, rules: [{action: Deny, principal: {clientCIDRs: ["10.0.0.0/8"]}}]}`

	toGateway      = `targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]`
	toListener     = `targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge, sectionName: https}]`
	toRoute        = `targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]`
	toRouteRule    = `targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r, sectionName: main}]`
	toLabelledRoot = `targetSelectors: [{kind: HTTPRoute, matchLabels: {auth: sso}}]`
)

// routeInGW is an HTTPRoute in the gateway's namespace with two rules, main
// and extra, both forwarding.
func routeInGW(labels string) string {
	return fmt.Sprintf(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: gw, labels: {%s}}
spec:
  parentRefs: [{name: edge, sectionName: https}]
  hostnames: [web.example.com]
  rules:
  - {name: main, backendRefs: [{name: web, port: 8080}]}
  - {name: extra, matches: [{path: {type: PathPrefix, value: /extra}}], backendRefs: [{name: web, port: 8080}]}`, labels)
}

const gwService = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: gw}
spec: {ports: [{port: 8080}]}`

func auth(t *testing.T, docs ...string) (v1alpha1.Authentication, *Result) {
	t.Helper()
	res := compute(t, nil, append([]string{gateway("Same"), gwService}, docs...)...)
	if len(res.Status.Endpoints.Items) != 1 {
		t.Fatalf("want one endpoint, got %q", hostnames(res))
	}
	return res.Status.Endpoints.Items[0].Authentication, res
}

func describe(a v1alpha1.Authentication) string {
	s := fmt.Sprintf("%s %v %s@%s", a.Mode, a.Methods, a.Policy, a.AttachedAt)
	if a.MergedWith != "" {
		s += "+" + a.MergedWith
	}
	if a.Declared != "" {
		s += " declared:" + a.Declared
	}
	return s
}

func TestAuthenticationPrecedence(t *testing.T) {
	tests := []struct {
		name string
		docs []string
		want string
	}{
		{"no policy", []string{routeInGW("")}, "None [] @"},
		{"gateway-level JWT", []string{routeInGW(""), securityPolicy("gw", "gw-jwt", 1, toGateway, jwtRequired)},
			"Required [JWT] gw/gw-jwt@Gateway"},
		{"a listener policy replaces the gateway's", []string{routeInGW(""),
			securityPolicy("gw", "gw-jwt", 1, toGateway, jwtRequired), securityPolicy("gw", "l-basic", 2, toListener, basicAuth)},
			"Required [BasicAuth] gw/l-basic@Listener"},
		{"a route policy replaces the gateway's JWT", []string{routeInGW(""),
			securityPolicy("gw", "gw-jwt", 1, toGateway, jwtRequired), securityPolicy("gw", "route-oidc", 2, toRoute, oidc)},
			"Required [OIDC] gw/route-oidc@Route"},
		{"with mergeType the route policy merges into the gateway's", []string{routeInGW(""),
			securityPolicy("gw", "gw-jwt", 1, toGateway, jwtRequired),
			securityPolicy("gw", "route-authz", 2, toRoute, "mergeType: StrategicMerge\n  "+authzAllow)},
			"Required [JWT Authorization] gw/route-authz@Route+gw/gw-jwt"},
		{"a route policy found by label", []string{routeInGW("auth: sso"), securityPolicy("gw", "sso", 1, toLabelledRoot, oidc)},
			"Required [OIDC] gw/sso@Route"},
		{"a selector that does not match", []string{routeInGW("auth: other"), securityPolicy("gw", "sso", 1, toLabelledRoot, oidc)},
			"None [] @"},
		{"a policy in another namespace does not apply", []string{routeInGW(""), securityPolicy("other", "jwt", 1, toRoute, jwtRequired)},
			"None [] @"},
		{"the oldest of two route policies wins", []string{routeInGW(""),
			securityPolicy("gw", "b-newer", 5, toRoute, basicAuth), securityPolicy("gw", "z-older", 1, toRoute, oidc)},
			"Required [OIDC] gw/z-older@Route"},
		{"optional JWT does not require a token", []string{routeInGW(""), securityPolicy("gw", "opt", 1, toRoute, jwtOptional)},
			"Optional [JWT] gw/opt@Route"},
		{"an allow-by-default authorization is not authentication", []string{routeInGW(""), securityPolicy("gw", "authz", 1, toRoute, authzAllow)},
			"None [Authorization] gw/authz@Route"},
		{"a rule-level policy leaves the other rule open: the endpoint is as weak as its weakest rule",
			[]string{routeInGW(""), securityPolicy("gw", "rule", 1, toRouteRule, basicAuth)}, "None [] @"},
		{"a rule-level policy plus a route policy covers every rule", []string{routeInGW(""),
			securityPolicy("gw", "rule", 1, toRouteRule, basicAuth), securityPolicy("gw", "route", 2, toRoute, oidc)},
			"Required [BasicAuth OIDC] gw/rule, gw/route@RouteRule, Route"},
		{"a policy its controller rejected does not apply", []string{routeInGW(""),
			securityPolicy("gw", "gw-jwt", 1, toGateway, jwtRequired) + `
status:
  ancestors:
  - ancestorRef: {group: gateway.networking.k8s.io, kind: Gateway, name: edge, namespace: gw}
    controllerName: gateway.envoyproxy.io/gatewayclass-controller
    conditions: [{type: Accepted, status: "False", reason: Invalid, message: "bad jwks", lastTransitionTime: "2026-01-01T00:00:00Z"}]`},
			"None [] @"},
		{"an annotation declares what the cluster cannot see",
			[]string{strings.Replace(routeInGW(""), "labels: {}", "annotations: {netinventory.io/authentication: hmac}", 1)},
			"Declared [] @ declared:hmac"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := auth(t, tt.docs...)
			if got := describe(a); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOverriddenAndUntargetedPolicies(t *testing.T) {
	_, res := auth(t, routeInGW(""),
		securityPolicy("gw", "gw-jwt", 1, toGateway, jwtRequired), securityPolicy("gw", "route-oidc", 2, toRoute, oidc),
		securityPolicy("gw", "ghost", 3, `targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: missing}]`, basicAuth))
	byName := map[string]int{}
	for i, p := range res.Model.SecurityPolicies {
		byName[p.Name] = i
	}
	gwJWT := res.Model.SecurityPolicies[byName["gw-jwt"]]
	if len(gwJWT.OverriddenFor) != 1 || len(gwJWT.Protects) != 0 {
		t.Errorf("the gateway policy is overridden on the route and protects nothing: %+v", gwJWT)
	}
	if p := res.Model.SecurityPolicies[byName["route-oidc"]]; len(p.Protects) != 1 || p.Protects[0] != "HTTPRoute/gw/r" {
		t.Errorf("the route policy protects the route: %+v", p)
	}
	if p := res.Model.SecurityPolicies[byName["ghost"]]; p.TargetsFound != 0 {
		t.Errorf("a policy naming a missing route targets nothing: %+v", p)
	}
	rules := map[string]bool{}
	for _, f := range res.Status.Findings.Items {
		rules[f.Rule+" "+f.Subject] = true
	}
	for _, want := range []string{"SecurityPolicyOverridden gw/gw-jwt", "SecurityPolicyTargetsNothing gw/ghost"} {
		if !rules[want] {
			t.Errorf("missing finding %s in %v", want, rules)
		}
	}
}

func TestCrossNamespaceTargetSelector(t *testing.T) {
	sel := `targetSelectors: [{kind: HTTPRoute, namespaces: {from: All}, matchLabels: {auth: sso}}]`
	docs := []string{gateway("All"), appNamespace, appService, httpRoute("app", "r", ", labels: {auth: sso}"), securityPolicy("gw", "sso", 1, sel, oidc)}
	res := compute(t, nil, docs...)
	if m := res.Status.Endpoints.Items[0].Authentication.Mode; m != v1alpha1.AuthenticationNone {
		t.Errorf("without a ReferenceGrant a policy does not select routes of other namespaces: %s", m)
	}
	spGrant := `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: sso, namespace: app}
spec:
  from: [{group: gateway.envoyproxy.io, kind: SecurityPolicy, namespace: gw}]
  to: [{group: gateway.networking.k8s.io, kind: HTTPRoute}]`
	res = compute(t, nil, append(docs, spGrant)...)
	if a := res.Status.Endpoints.Items[0].Authentication; a.Mode != v1alpha1.AuthenticationRequired || a.Policy != "gw/sso" {
		t.Errorf("with the grant it does: %+v", a)
	}
}
