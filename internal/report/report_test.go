package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory"
	"netinventory.io/netinventory/internal/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)

func homelab(t *testing.T) *v1alpha1.NetworkInventory {
	t.Helper()
	l := &snapshot.Loader{Strict: true}
	l.AddPath(filepath.Join("..", "..", "test", "fixtures", "homelab"))
	snap, err := l.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	spec := &l.Inventories[0].Spec
	res, err := inventory.Compute(snap, spec, now)
	if err != nil {
		t.Fatal(err)
	}
	return res.Inventory("cluster", spec, now)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run Golden -update)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs; rerun with -update and review the diff", path)
	}
}

func render(t *testing.T, format string, ni *v1alpha1.NetworkInventory) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, format, ni); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGoldenReports(t *testing.T) {
	ni := homelab(t)
	for _, f := range []struct{ format, file string }{
		{"markdown", "homelab.md"}, {"table", "homelab.txt"}, {"json", "homelab.json"}, {"dot", "homelab.dot"},
	} {
		got := render(t, f.format, ni)
		if again := render(t, f.format, homelab(t)); !bytes.Equal(got, again) {
			t.Errorf("%s: the same inventory must give the same bytes", f.format)
		}
		golden(t, f.file, got)
	}
}

// TestMarkdownCarriesTheSeedSections checks the report has the seed
// document's sections in its order, and its rows.
func TestMarkdownCarriesTheSeedSections(t *testing.T) {
	doc := string(render(t, "markdown", homelab(t)))
	sections := []string{"## Gateways", "### Traffic Flow", "## Exposed Endpoints", "### External Endpoints", "### Internal Endpoints",
		"### LoadBalancer Services", "### NodePort Services", "## Security Policies", "## Network Policies", "### CiliumNetworkPolicies",
		"### Kubernetes NetworkPolicies", "## ReferenceGrants", "## Coverage Analysis", "### Pods per Namespace",
		"### Internal Service Communication", "## Gaps and Recommendations", "### Critical Gaps", "### Medium Priority", "### Low Priority"}
	last := -1
	for _, s := range sections {
		i := strings.Index(doc, "\n"+s+"\n")
		if i < 0 || i < last {
			t.Errorf("section %q missing or out of the seed's order", s)
		}
		last = i
	}
	for _, row := range []string{
		"| `envoy-external` | network | 192.168.22.90 | Public | Public-facing services (via Cloudflare Tunnel) | 80, 443 | True |",
		"| `echo.matherly.net` | echo | default | 80 | **None** |",
		"| `llms.matherly.net` | litellm | ai-system | 4000 | JWT (optional), api-key (declared) via `network/jwt-auth` |",
		"| `grafana.matherly.net` | kube-prometheus-stack-grafana | monitoring | 80 | OIDC via `network/oidc-sso` |",
		"| `spegel-registry` | kube-system | NodePort | 30021 |",
		"| `email` | X-User-Email, X-Email |",
		"Envoy → tokenEndpoint (internal): http://keycloak-service.identity.svc.cluster.local:8080/realms/matherlynet/protocol/openid-connect/token",
		"| obot-mcp | `mcp-servers-default` | (namespace-wide) | MCP Servers default isolation policy |",
		"| identity | `keycloak-network-policy` | `app=keycloak` | Ingress | 1 |",
		"| kube-system | `headlamp-network-access` | Allow network namespace to reference Headlamp service |",
		"| monitoring | 25 | 3 | 0 | 0 | 0 / 0 | **No Policies** | Critical |",
		"| cache | 1 | 0 | 1 | 0 | 1 / 0 | Partially Covered | Medium |",
		"**monitoring** (NamespaceWithoutPolicies)",
		"This is what policy says, not observed traffic.",
	} {
		if !strings.Contains(doc, row) {
			t.Errorf("report lacks %q", row)
		}
	}
}

func TestJSONRoundTrips(t *testing.T) {
	ni := homelab(t)
	var back v1alpha1.NetworkInventory
	if err := json.Unmarshal(render(t, "json", ni), &back); err != nil {
		t.Fatal(err)
	}
	if back.Kind != "NetworkInventory" || back.Status.Summary != ni.Status.Summary || len(back.Status.Endpoints.Items) != 10 {
		t.Errorf("JSON lost content: %+v", back.Status.Summary)
	}
}

func TestTableListsEveryEndpoint(t *testing.T) {
	out := string(render(t, "table", homelab(t)))
	if n := strings.Count(out, ".matherly.net"); n < 10 {
		t.Errorf("want the 10 endpoints, found %d hostnames:\n%s", n, out)
	}
	if !strings.Contains(out, "echo.matherly.net") || !strings.Contains(out, "None") {
		t.Errorf("table: %s", out)
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Render(&bytes.Buffer{}, "pdf", homelab(t)); err == nil {
		t.Error("an unknown format is an error")
	}
}

func TestMarkdownListsHostPoliciesApartAndDenyRules(t *testing.T) {
	ni := &v1alpha1.NetworkInventory{}
	ni.Status.NetworkPolicies.Items = []v1alpha1.NetworkPolicyEntry{
		{Kind: "CiliumClusterwideNetworkPolicy", Name: "host-firewall", Selector: "node:node-role=worker", HostPolicy: true, IngressRules: 2, Valid: "True"},
		{Kind: "CiliumClusterwideNetworkPolicy", Name: "pods-wide", Selector: "app=x", SelectedPods: 3, Valid: "True"},
		{Kind: "CiliumNetworkPolicy", Namespace: "a", Name: "deny-some", IngressDenyRules: 1, EgressDenyRules: 2, Valid: "True"},
	}
	ni.Status.Flows.Items = []v1alpha1.FlowEntry{{From: "entity:world", To: "a/*", Action: v1alpha1.FlowDeny, Policies: []string{"CiliumNetworkPolicy/a/deny-some"}},
		{From: "a/*", To: "kube-system/kube-dns", Ports: []string{"53/any"}, L7: []string{"DNS *.example.com"}, Policies: []string{"CiliumNetworkPolicy/a/dns"}}}
	doc := string(render(t, "markdown", ni))
	hostSection := doc[strings.Index(doc, "### Host Policies"):]
	for _, want := range []string{"| `host-firewall` | `node:node-role=worker` | - | 2 | 0 | - | True |", "| a | `deny-some` |", "| 1 / 2 |",
		"| entity:world | a/* | any | - | **deny** |", "| DNS *.example.com | allow |"} {
		if !strings.Contains(doc, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(doc[:strings.Index(doc, "### Host Policies")], "host-firewall") || strings.Contains(hostSection, "pods-wide") {
		t.Error("host policies are listed apart from the clusterwide policies that select pods")
	}
}
