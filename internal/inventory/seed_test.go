package inventory

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"netinventory.io/netinventory/api/v1alpha1"
)

// The seed document's tables, as the homelab fixture reproduces its
// cluster. These tests check the engine's output against them row by row.

func TestSeedGatewaysTable(t *testing.T) {
	res := computeFixture(t, "homelab")
	type row struct {
		name, namespace, address, purpose string
		exposure                          v1alpha1.Exposure
		ports                             []int32
	}
	want := []row{
		{"envoy-external", "network", "192.168.22.90", "Public-facing services (via Cloudflare Tunnel)", v1alpha1.ExposurePublic, []int32{80, 443}},
		{"envoy-internal", "network", "192.168.22.80", "Internal services (VPN/LAN access only)", v1alpha1.ExposureInternal, []int32{80, 443}},
	}
	got := res.Status.Gateways.Items
	if len(got) != len(want) || res.Status.Gateways.Total != int32(len(want)) {
		t.Fatalf("want %d gateways, got %d (total %d)", len(want), len(got), res.Status.Gateways.Total)
	}
	for i, w := range want {
		g := got[i]
		var ports []int32
		for _, l := range g.Listeners {
			ports = append(ports, l.Port)
		}
		if g.Name != w.name || g.Namespace != w.namespace || !slices.Equal(g.Addresses, []string{w.address}) ||
			g.Purpose != w.purpose || g.Exposure != w.exposure || !slices.Equal(ports, w.ports) || g.Programmed != "True" {
			t.Errorf("gateway %d: got %+v, want %+v", i, g, w)
		}
	}
}

func TestSeedPodsPerNamespace(t *testing.T) {
	res := computeFixture(t, "homelab")
	// The seed's "Running Pods" column. Its kube-system and monitoring
	// counts include hostNetwork pods, which the inventory counts apart.
	want := map[string]int32{
		"ai-system": 11, "cache": 1, "cert-manager": 3, "cnpg-system": 2, "csi-proxmox": 4, "default": 1,
		"dragonfly-operator-system": 1, "flux-system": 5, "identity": 3, "kube-system": 31, "monitoring": 25,
		"network": 8, "obot-mcp": 0, "storage": 1, "system-upgrade": 1,
	}
	wantCNP := map[string]int32{"ai-system": 7, "cache": 1, "cnpg-system": 2, "identity": 2, "obot-mcp": 1, "storage": 1}
	wantNP := map[string]int32{"ai-system": 8, "identity": 1, "obot-mcp": 1, "storage": 1}
	seen := 0
	for _, ns := range res.Status.Namespaces.Items {
		pods, ok := want[ns.Name]
		if !ok {
			continue
		}
		seen++
		if ns.Pods != pods || ns.CiliumPolicies != wantCNP[ns.Name] || ns.NetworkPolicies != wantNP[ns.Name] {
			t.Errorf("%s: %d pods, %d CNPs, %d NPs; the seed has %d, %d, %d", ns.Name, ns.Pods, ns.CiliumPolicies,
				ns.NetworkPolicies, pods, wantCNP[ns.Name], wantNP[ns.Name])
		}
	}
	if seen != len(want) {
		t.Errorf("only %d of the seed's %d namespaces are in the inventory", seen, len(want))
	}
	if res.Status.Summary.Pods != 97 {
		t.Errorf("the terminal pods (a Succeeded job pod, a Failed evicted pod) must not count: %d pods", res.Status.Summary.Pods)
	}
}

func TestSeedEndpointTables(t *testing.T) {
	res := computeFixture(t, "homelab")
	type row struct {
		hostname, service, namespace string
		port                         int32
		exposure                     v1alpha1.Exposure
		mode                         v1alpha1.AuthenticationMode
		auth                         string // methods enforced, or what is declared
		purpose                      string
	}
	// The seed's External and Internal Endpoints tables. Where the seed
	// writes an authentication in words, the row holds what the cluster
	// shows for it: "Keycloak SSO" on langfuse, obot and headlamp is the
	// apps' own login (declared), "OIDC SSO" on grafana and hubble is the
	// oidc-sso SecurityPolicy, "JWT/API Key" on llms is an optional JWT plus
	// LiteLLM's declared API keys.
	want := []row{
		{"echo.matherly.net", "echo", "default", 80, v1alpha1.ExposurePublic, v1alpha1.AuthenticationNone, "", "Test/health check"},
		{"flux-webhook.matherly.net", "webhook-receiver", "flux-system", 80, v1alpha1.ExposurePublic, v1alpha1.AuthenticationDeclared, "hmac", "GitOps webhook"},
		{"langfuse.matherly.net", "langfuse-web", "ai-system", 3000, v1alpha1.ExposurePublic, v1alpha1.AuthenticationDeclared, "keycloak-sso", "LLM observability"},
		{"llms.matherly.net", "litellm", "ai-system", 4000, v1alpha1.ExposurePublic, v1alpha1.AuthenticationOptional, "JWT+api-key", "LLM proxy gateway"},
		{"obot.matherly.net", "obot", "ai-system", 80, v1alpha1.ExposurePublic, v1alpha1.AuthenticationDeclared, "keycloak-sso", "MCP agent platform"},
		{"sso.matherly.net", "keycloak-service", "identity", 8080, v1alpha1.ExposurePublic, v1alpha1.AuthenticationDeclared, "native", "Identity provider"},
		{"grafana.matherly.net", "kube-prometheus-stack-grafana", "monitoring", 80, v1alpha1.ExposureInternal, v1alpha1.AuthenticationRequired, "OIDC", "Metrics/dashboards"},
		{"headlamp.matherly.net", "headlamp", "kube-system", 80, v1alpha1.ExposureInternal, v1alpha1.AuthenticationDeclared, "keycloak-sso", "Kubernetes Web UI"},
		{"hubble.matherly.net", "hubble-ui", "kube-system", 80, v1alpha1.ExposureInternal, v1alpha1.AuthenticationRequired, "OIDC", "Network observability"},
		{"rustfs.matherly.net", "rustfs-svc", "storage", 9001, v1alpha1.ExposureInternal, v1alpha1.AuthenticationNone, "", "S3 management"},
	}
	got := res.Status.Endpoints.Items
	if len(got) != len(want) {
		t.Fatalf("want %d endpoints (the redirect routes expose none), got %d", len(want), len(got))
	}
	for i, w := range want {
		e := got[i]
		auth := strings.Join(e.Authentication.Methods, "+")
		if e.Authentication.Declared != "" {
			auth = strings.TrimPrefix(auth+"+"+e.Authentication.Declared, "+")
		}
		if e.Hostname != w.hostname || len(e.Backends) != 1 || e.Backends[0].Name != w.service || e.Backends[0].Namespace != w.namespace ||
			e.Backends[0].Port != w.port || !e.Backends[0].Exists || !e.Backends[0].Permitted || e.Exposure != w.exposure ||
			e.Authentication.Mode != w.mode || auth != w.auth || e.Purpose != w.purpose || e.Port != 443 {
			t.Errorf("row %d: got %s -> %+v exposure %s auth %s %q purpose %q; want %+v", i, e.Hostname, e.Backends, e.Exposure,
				e.Authentication.Mode, auth, e.Purpose, w)
		}
	}
	if s := res.Status.Summary; s.PublicEndpoints != 6 || s.UnauthenticatedEndpoints != 2 || s.UnauthenticatedPublicEndpoints != 1 {
		t.Errorf("summary %+v", s)
	}
}

func TestSeedServiceTables(t *testing.T) {
	res := computeFixture(t, "homelab")
	var lb, np []string
	for _, s := range res.Status.Services.Items {
		var ports, nodePorts []string
		for _, p := range s.Ports {
			ports = append(ports, fmt.Sprint(p.Port))
			if p.NodePort != 0 {
				nodePorts = append(nodePorts, fmt.Sprint(p.NodePort))
			}
		}
		if s.Type == "LoadBalancer" {
			lb = append(lb, fmt.Sprintf("%s %s %v %s", s.Name, s.Namespace, s.ExternalAddresses, strings.Join(ports, ",")))
		}
		if len(nodePorts) > 0 {
			np = append(np, fmt.Sprintf("%s %s %s", s.Name, s.Namespace, strings.Join(nodePorts, ",")))
		}
	}
	wantLB := []string{"envoy-external network [192.168.22.90] 80,443", "envoy-internal network [192.168.22.80] 80,443"}
	if !slices.Equal(lb, wantLB) {
		t.Errorf("LoadBalancer table: %q, want %q", lb, wantLB)
	}
	// The seed lists spegel-registry only; the LoadBalancer Services open
	// node ports too, which the seed's table leaves out.
	wantNP := []string{"spegel-registry kube-system 30021", "envoy-external network 31080,31443", "envoy-internal network 32080,32443"}
	slices.Sort(wantNP)
	slices.Sort(np)
	if !slices.Equal(np, wantNP) {
		t.Errorf("NodePort table: %q, want %q", np, wantNP)
	}
}

func TestSeedSecurityPolicies(t *testing.T) {
	res := computeFixture(t, "homelab")
	sps := res.Status.SecurityPolicies.Items
	if len(sps) != 2 || sps[0].Name != "jwt-auth" || sps[1].Name != "oidc-sso" {
		t.Fatalf("policies: %+v", sps)
	}
	jwt := sps[0]
	if jwt.Namespace != "network" || fmt.Sprint(jwt.Targets) != "[HTTPRoute{security=jwt-protected}]" || len(jwt.JWTProviders) != 1 {
		t.Fatalf("jwt-auth: %+v", jwt)
	}
	p := jwt.JWTProviders[0]
	if p.Issuer != "https://sso.matherly.net/realms/matherlynet" ||
		p.JWKSURI != "https://sso.matherly.net/realms/matherlynet/protocol/openid-connect/certs" {
		t.Errorf("jwt provider: %+v", p)
	}
	var claims []string
	for _, c := range p.ClaimToHeaders {
		claims = append(claims, c.Claim+"="+c.Header)
	}
	wantClaims := "sub=X-User-ID email=X-User-Email email=X-Email groups=X-User-Groups groups=X-Groups " +
		"preferred_username=X-Username realm_access.roles=X-User-Roles resource_access.envoy-gateway.roles=X-Client-Roles"
	if strings.Join(claims, " ") != wantClaims {
		t.Errorf("claims forwarded: %s", strings.Join(claims, " "))
	}
	o := sps[1].OIDC
	if o == nil || o.ClientID != "envoy-gateway" || o.CookieDomain != "matherly.net" || !o.SplitPath ||
		o.AuthorizationEndpoint != "https://sso.matherly.net/realms/matherlynet/protocol/openid-connect/auth" ||
		o.TokenEndpoint != "http://keycloak-service.identity.svc.cluster.local:8080/realms/matherlynet/protocol/openid-connect/token" {
		t.Errorf("oidc-sso: %+v", o)
	}
	if fmt.Sprint(sps[1].Protects) != "[HTTPRoute/network/grafana HTTPRoute/network/hubble]" || fmt.Sprint(jwt.Protects) != "[HTTPRoute/network/llms]" {
		t.Errorf("protects: %v %v", jwt.Protects, sps[1].Protects)
	}
}

func TestSeedReferenceGrants(t *testing.T) {
	res := computeFixture(t, "homelab")
	want := []string{
		"ai-system/langfuse-network-access", "ai-system/network-litellm-access", "ai-system/network-obot-access",
		"identity/allow-oidc-from-network", "kube-system/allow-network-httproutes", "kube-system/headlamp-network-access",
		"monitoring/allow-network-httproutes", "storage/allow-network-httproutes",
	}
	var got []string
	for _, g := range res.Status.ReferenceGrants.Items {
		got = append(got, g.Namespace+"/"+g.Name)
		if g.References != 1 || g.Purpose == "" {
			t.Errorf("%s/%s: every grant of the seed is used once and has a purpose: %+v", g.Namespace, g.Name, g)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("grants %v, want %v", got, want)
	}
}

func TestSeedCoverageAnalysis(t *testing.T) {
	res := computeFixture(t, "homelab")
	// The seed's Pods per Namespace table, state as the engine computes it.
	// Where the seed says "Covered" for identity, the engine finds the
	// keycloak operator unselected and keycloak's egress open: Partial.
	want := map[string]v1alpha1.CoverageState{
		"ai-system": v1alpha1.CoverageCovered, "cache": v1alpha1.CoveragePartial, "cert-manager": v1alpha1.CoverageNone,
		"cnpg-system": v1alpha1.CoverageCovered, "csi-proxmox": v1alpha1.CoverageNone, "default": v1alpha1.CoverageNone,
		"dragonfly-operator-system": v1alpha1.CoverageNone, "flux-system": v1alpha1.CoverageNone,
		"identity": v1alpha1.CoveragePartial, "kube-system": v1alpha1.CoverageNone, "monitoring": v1alpha1.CoverageNone,
		"network": v1alpha1.CoverageNone, "obot-mcp": v1alpha1.CoverageDefaultDeny, "storage": v1alpha1.CoverageCovered,
		"system-upgrade": v1alpha1.CoverageNone,
	}
	for _, ns := range res.Status.Namespaces.Items {
		if w := want[ns.Name]; ns.Coverage != w {
			t.Errorf("%s: %s, want %s", ns.Name, ns.Coverage, w)
		}
	}
}

func TestSeedGapsAndPriorities(t *testing.T) {
	res := computeFixture(t, "homelab")
	var got []string
	for _, f := range res.Status.Findings.Items {
		if f.Rule == "NamespaceWithoutPolicies" {
			got = append(got, string(f.Priority)+" "+f.Subject)
		}
	}
	// The seed's gap list: critical monitoring, flux-system, cert-manager;
	// medium network, dragonfly-operator-system, csi-proxmox; low
	// kube-system and default. The seed leaves out system-upgrade, whose
	// pod is as uncovered as the rest (Medium by default).
	want := []string{"Critical cert-manager", "Critical flux-system", "Critical monitoring",
		"Medium csi-proxmox", "Medium dragonfly-operator-system", "Medium network", "Medium system-upgrade",
		"Low default", "Low kube-system"}
	if !slices.Equal(got, want) {
		t.Errorf("gaps %v, want %v", got, want)
	}
	prio := map[string]v1alpha1.Priority{}
	for _, ns := range res.Status.Namespaces.Items {
		prio[ns.Name] = ns.Priority
	}
	for name, p := range map[string]v1alpha1.Priority{"monitoring": v1alpha1.PriorityCritical, "flux-system": v1alpha1.PriorityCritical,
		"cert-manager": v1alpha1.PriorityCritical, "network": v1alpha1.PriorityMedium, "dragonfly-operator-system": v1alpha1.PriorityMedium,
		"csi-proxmox": v1alpha1.PriorityMedium, "kube-system": v1alpha1.PriorityLow, "default": v1alpha1.PriorityLow} {
		if prio[name] != p {
			t.Errorf("%s priority %s, want %s (set by the fixture's spec)", name, prio[name], p)
		}
	}
	if res.Status.Summary.NotIsolatedNamespaces != 9 {
		t.Errorf("uncovered namespaces: %d", res.Status.Summary.NotIsolatedNamespaces)
	}
}

func TestSeedNetworkPolicyTables(t *testing.T) {
	res := computeFixture(t, "homelab")
	var cnps, nps []string
	for _, p := range res.Status.NetworkPolicies.Items {
		row := p.Namespace + "/" + p.Name + " " + p.Selector
		switch p.Kind {
		case "CiliumNetworkPolicy":
			cnps = append(cnps, row+" | "+p.Description)
		case "NetworkPolicy":
			nps = append(nps, row+" | "+strings.Join(p.PolicyTypes, ", "))
		}
	}
	wantCNP := []string{
		"ai-system/langfuse app.kubernetes.io/name=langfuse | Langfuse web UI and worker access controls",
		"ai-system/langfuse-postgres cnpg.io/cluster=langfuse-postgresql | Langfuse PostgreSQL access, replication, backups",
		"ai-system/litellm-azure-egress app.kubernetes.io/name=litellm | FQDN-based egress to Azure OpenAI, AI Services",
		"ai-system/litellm-db-kube-api-egress cnpg.io/cluster=litellm-postgresql | LiteLLM PostgreSQL DNS and kube-apiserver access",
		"ai-system/litellm-icmp-egress app.kubernetes.io/name=litellm | ICMP health probes",
		"ai-system/obot app.kubernetes.io/name=obot | Obot main application pod access controls",
		"ai-system/obot-postgres cnpg.io/cluster=obot-postgresql | Obot PostgreSQL access, replication, backups",
		"cache/dragonfly app=dragonfly | Dragonfly Redis-compatible cache",
		"cnpg-system/barman-cloud-plugin app.kubernetes.io/name=plugin-barman-cloud | Barman backup plugin access",
		"cnpg-system/cnpg-operator app.kubernetes.io/name=cloudnative-pg | CNPG operator access to cluster pods, Kubernetes API",
		"identity/keycloak-config-cli app.kubernetes.io/name=keycloak-config-cli | Keycloak realm configuration job",
		"identity/keycloak-postgres cnpg.io/cluster=keycloak-postgres | Keycloak PostgreSQL access, replication, backups",
		"obot-mcp/mcp-servers-default  | MCP Servers default isolation policy",
		"storage/rustfs app.kubernetes.io/name=rustfs | RustFS S3-compatible storage access",
	}
	wantNP := []string{
		"ai-system/langfuse app.kubernetes.io/name=langfuse | Ingress, Egress",
		"ai-system/langfuse-clickhouse app.kubernetes.io/name=clickhouse | Ingress, Egress",
		"ai-system/langfuse-db cnpg.io/cluster=langfuse-postgresql | Ingress, Egress",
		"ai-system/langfuse-zookeeper app.kubernetes.io/name=zookeeper | Ingress, Egress",
		"ai-system/litellm app.kubernetes.io/name=litellm | Ingress, Egress",
		"ai-system/litellm-db cnpg.io/cluster=litellm-postgresql | Ingress, Egress",
		"ai-system/obot app.kubernetes.io/name=obot | Ingress, Egress",
		"ai-system/obot-db cnpg.io/cluster=obot-postgresql | Ingress, Egress",
		"identity/keycloak-network-policy app=keycloak | Ingress",
		"obot-mcp/mcp-servers-default  | Ingress, Egress",
		"storage/rustfs app.kubernetes.io/name=rustfs | Ingress, Egress",
	}
	if !slices.Equal(cnps, wantCNP) {
		t.Errorf("CiliumNetworkPolicies:\n%s", strings.Join(cnps, "\n"))
	}
	if !slices.Equal(nps, wantNP) {
		t.Errorf("NetworkPolicies:\n%s", strings.Join(nps, "\n"))
	}
}

// Without its exposure rules, the homelab fixture gets the same exposure
// for every gateway, endpoint and Service from the evidence its objects
// carry, and says which evidence decided. (Its spec's default, Internal,
// still decides the NodePort Service, for which no evidence is read.)
func TestHomelabExposureByEvidence(t *testing.T) {
	snap, spec := loadFixture(t, "../../test/fixtures/homelab")
	withRules, err := Compute(snap, spec, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	bare := spec.DeepCopy()
	bare.Exposure.Rules = nil
	byEvidence, err := Compute(snap, bare, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]v1alpha1.GatewayEntry{}
	for _, g := range withRules.Status.Gateways.Items {
		want[g.Namespace+"/"+g.Name] = g
	}
	if len(byEvidence.Status.Gateways.Items) != 2 {
		t.Fatalf("want the 2 gateways, got %d", len(byEvidence.Status.Gateways.Items))
	}
	for _, g := range byEvidence.Status.Gateways.Items {
		w := want[g.Namespace+"/"+g.Name]
		if g.Exposure != w.Exposure || g.ExposureSource != "Evidence" || w.ExposureSource != "Rule" {
			t.Errorf("gateway %s/%s: by evidence %s (%s), with rules %s (%s)", g.Namespace, g.Name, g.Exposure, g.ExposureSource, w.Exposure, w.ExposureSource)
		}
		if len(g.ExposureEvidence) == 0 {
			t.Errorf("gateway %s/%s: no evidence shown", g.Namespace, g.Name)
		}
	}
	evidence := map[string]string{
		"network/envoy-external": "cloudflared tunnel ingress *.matherly.net -> https://envoy-external.network.svc.cluster.local:443",
		"network/envoy-internal": "external-dns target internal.matherly.net (Service network/envoy-internal at 192.168.22.80) is a private address",
	}
	for _, g := range byEvidence.Status.Gateways.Items {
		if !slices.ContainsFunc(g.ExposureEvidence, func(e string) bool { return strings.HasPrefix(e, evidence[g.Namespace+"/"+g.Name]) }) {
			t.Errorf("gateway %s/%s: evidence %q lacks %q", g.Namespace, g.Name, g.ExposureEvidence, evidence[g.Namespace+"/"+g.Name])
		}
	}
	services := map[string]v1alpha1.Exposure{}
	for _, s := range withRules.Status.Services.Items {
		services[s.Namespace+"/"+s.Name] = s.Exposure
	}
	for _, s := range byEvidence.Status.Services.Items {
		if s.Exposure != services[s.Namespace+"/"+s.Name] {
			t.Errorf("Service %s/%s: by evidence %s (%s), with rules %s", s.Namespace, s.Name, s.Exposure, s.ExposureSource, services[s.Namespace+"/"+s.Name])
		}
	}
	endpoints := map[string]v1alpha1.Exposure{}
	for _, e := range withRules.Status.Endpoints.Items {
		endpoints[e.Hostname+" "+e.Gateway] = e.Exposure
	}
	for _, e := range byEvidence.Status.Endpoints.Items {
		if e.Exposure != endpoints[e.Hostname+" "+e.Gateway] {
			t.Errorf("endpoint %s on %s: by evidence %s, with rules %s", e.Hostname, e.Gateway, e.Exposure, endpoints[e.Hostname+" "+e.Gateway])
		}
	}
}
