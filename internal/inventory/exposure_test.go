package inventory

import (
	"fmt"
	"strings"
	"testing"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
)

// fromYAML builds a Snapshot from manifests, every source kind available.
func fromYAML(t *testing.T, docs ...string) *snapshot.Snapshot {
	t.Helper()
	l := &snapshot.Loader{Strict: true}
	l.AddReader("test.yaml", strings.NewReader(strings.Join(docs, "\n---\n")))
	s, err := l.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func compute(t *testing.T, spec *v1alpha1.NetworkInventorySpec, docs ...string) *Result {
	t.Helper()
	if spec == nil {
		spec = &v1alpha1.NetworkInventorySpec{}
	}
	res, err := Compute(fromYAML(t, docs...), spec, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// gateway is a Gateway in namespace gw with an HTTPS listener "https" on
// *.example.com admitting routes from the given namespaces (Same, All, or
// a Selector clause), and a listener "admin".
func gateway(from string) string {
	allowed := fmt.Sprintf("{from: %s}", from)
	if strings.HasPrefix(from, "Selector") {
		allowed = "{from: Selector, selector: {matchLabels: {exposed: \"true\"}}}"
	}
	return fmt.Sprintf(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: gw}
spec:
  gatewayClassName: envoy
  listeners:
  - {name: https, port: 443, protocol: HTTPS, hostname: "*.example.com", allowedRoutes: {namespaces: %s}}
  - {name: admin, port: 8443, protocol: HTTPS, hostname: admin.example.com, allowedRoutes: {namespaces: %s}}`, allowed, allowed)
}

const appNamespace = `apiVersion: v1
kind: Namespace
metadata: {name: app, labels: {exposed: "true"}}`

const appService = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: app}
spec: {ports: [{port: 8080}]}`

// httpRoute is an HTTPRoute in namespace ns to Service web in app.
func httpRoute(ns, name, extra string) string {
	backendNS := ""
	if ns != "app" {
		backendNS = ", namespace: app"
	}
	return fmt.Sprintf(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: %s, namespace: %s%s}
spec:
  parentRefs: [{name: edge, namespace: gw, sectionName: https}]
  hostnames: [web.example.com]
  rules: [{name: main, backendRefs: [{name: web%s, port: 8080}]}]`, name, ns, extra, backendNS)
}

func hostnames(res *Result) string {
	var out []string
	for _, e := range res.Status.Endpoints.Items {
		out = append(out, fmt.Sprintf("%s:%d", e.Hostname, e.Port))
	}
	return strings.Join(out, " ")
}

func problems(res *Result) string {
	var out []string
	for _, p := range res.Model.RouteProblems {
		out = append(out, string(p.Reason))
	}
	return strings.Join(out, " ")
}

func TestRouteAttachment(t *testing.T) {
	tests := []struct {
		name          string
		docs          []string
		wantEndpoints string
		wantProblems  string
	}{
		{"same-namespace listener admits a route of its namespace",
			[]string{gateway("Same"), strings.Replace(httpRoute("gw", "r", ""), "name: web, namespace: app", "name: web", 1)},
			"web.example.com:443", ""},
		{"same-namespace listener refuses a route of another namespace",
			[]string{gateway("Same"), appNamespace, appService, httpRoute("app", "r", "")},
			"", "NotAllowedByListener"},
		{"All admits any namespace",
			[]string{gateway("All"), appNamespace, appService, httpRoute("app", "r", "")},
			"web.example.com:443", ""},
		{"Selector admits namespaces by label",
			[]string{gateway("Selector"), appNamespace, appService, httpRoute("app", "r", "")},
			"web.example.com:443", ""},
		{"Selector refuses unlabelled namespaces",
			[]string{gateway("Selector"), strings.Replace(appNamespace, `exposed: "true"`, `other: "x"`, 1), appService, httpRoute("app", "r", "")},
			"", "NotAllowedByListener"},
		{"a hostname outside the listener's exposes nothing",
			[]string{gateway("All"), appNamespace, appService, strings.Replace(httpRoute("app", "r", ""), "web.example.com", "web.other.org", 1)},
			"", "NoMatchingHostname"},
		{"a route without hostnames inherits the listener's",
			[]string{gateway("All"), appNamespace, appService, strings.Replace(httpRoute("app", "r", ""), "hostnames: [web.example.com]", "", 1)},
			"*.example.com:443", ""},
		{"without sectionName a route attaches to every listener it matches",
			[]string{gateway("All"), appNamespace, appService, strings.Replace(strings.Replace(httpRoute("app", "r", ""), ", sectionName: https", "", 1),
				"hostnames: [web.example.com]", "hostnames: [web.example.com, admin.example.com]", 1)},
			"admin.example.com:8443 admin.example.com:443 web.example.com:443", ""},
		{"a port that no listener has exposes nothing",
			[]string{gateway("All"), appNamespace, appService, strings.Replace(httpRoute("app", "r", ""), "sectionName: https", "port: 9443", 1)},
			"", "NoMatchingListener"},
		{"a route its controller did not accept exposes nothing",
			[]string{gateway("All"), appNamespace, appService, httpRoute("app", "r", "") + `
status:
  parents:
  - parentRef: {name: edge, namespace: gw, sectionName: https}
    controllerName: gateway.envoyproxy.io/gatewayclass-controller
    conditions: [{type: Accepted, status: "False", reason: NotAllowedByListeners, message: "not allowed", lastTransitionTime: "2026-01-01T00:00:00Z"}]`},
			"", "NotAccepted"},
		{"a refusal written for an older generation is not trusted: the spec is judged",
			[]string{gateway("All"), appNamespace, appService, strings.Replace(httpRoute("app", "r", ""), "namespace: app}", "namespace: app, generation: 3}", 1) + `
status:
  parents:
  - parentRef: {name: edge, namespace: gw, sectionName: https}
    controllerName: gateway.envoyproxy.io/gatewayclass-controller
    conditions: [{type: Accepted, status: "False", reason: NotAllowedByListeners, message: "old", observedGeneration: 2, lastTransitionTime: "2026-01-01T00:00:00Z"}]`},
			"web.example.com:443", "StaleStatus"},
		{"a parent that does not exist",
			[]string{appNamespace, appService, httpRoute("app", "r", "")},
			"", "ParentNotFound"},
		{"a GRPCRoute on a listener that admits only HTTPRoutes",
			[]string{strings.Replace(gateway("All"), "allowedRoutes: {namespaces: {from: All}}", "allowedRoutes: {namespaces: {from: All}, kinds: [{kind: HTTPRoute}]}", 1),
				appNamespace, appService, strings.Replace(strings.Replace(httpRoute("app", "r", ""), "HTTPRoute", "GRPCRoute", 1), "name: main, ", "", 1)},
			"", "NotAllowedByListener"},
		{"a redirect-only route exposes no endpoint",
			[]string{gateway("All"), appNamespace, `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: redirect, namespace: app}
spec:
  parentRefs: [{name: edge, namespace: gw, sectionName: https}]
  rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]}]`},
			"", ""},
		{"a cross-namespace backend without ReferenceGrant is not an endpoint",
			[]string{gateway("All"), appNamespace, appService, httpRoute("gw", "r", "")},
			"", "NoPermittedBackend"},
		{"a ReferenceGrant permits it",
			[]string{gateway("All"), appNamespace, appService, httpRoute("gw", "r", ""), grant("gateway.networking.k8s.io")},
			"web.example.com:443", ""},
		{"a ReferenceGrant with the core group does not permit an HTTPRoute",
			[]string{gateway("All"), appNamespace, appService, httpRoute("gw", "r", ""), grant(`""`)},
			"", "NoPermittedBackend"},
		{"a TCPRoute exposes a port",
			[]string{strings.Replace(gateway("All"), "{name: admin, port: 8443, protocol: HTTPS, hostname: admin.example.com,", "{name: db, port: 5432, protocol: TCP,", 1),
				appNamespace, appService, `apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: {name: db, namespace: app}
spec:
  parentRefs: [{name: edge, namespace: gw, sectionName: db}]
  rules: [{backendRefs: [{name: web, port: 8080}]}]`},
			":5432", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compute(t, nil, tt.docs...)
			if got := hostnames(res); got != tt.wantEndpoints {
				t.Errorf("endpoints %q, want %q", got, tt.wantEndpoints)
			}
			if got := problems(res); got != tt.wantProblems {
				t.Errorf("problems %q, want %q", got, tt.wantProblems)
			}
		})
	}
}

func grant(fromGroup string) string {
	return fmt.Sprintf(`apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: from-gw, namespace: app}
spec:
  from: [{group: %s, kind: HTTPRoute, namespace: gw}]
  to: [{group: "", kind: Service}]`, fromGroup)
}
