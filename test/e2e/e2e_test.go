// Package e2e runs the manager binary as a user would: against a standalone
// local control plane (hack/local-cluster.sh), with the homelab fixture
// applied, read back with kubectl.
package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const root = "../.."

// cluster is a running local control plane.
type cluster struct {
	t          *testing.T
	env        []string
	kubeconfig string
	kubectlBin string
}

func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

// startCluster starts a local control plane on its own ports (apart from
// the demo's, and from other tests').
func startCluster(t *testing.T, etcdPort, apiPort int) *cluster {
	t.Helper()
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		if testing.Short() {
			t.Skip("needs the control-plane binaries; run make test")
		}
		t.Fatal("KUBEBUILDER_ASSETS is not set: run make test (it builds the control plane)")
	}
	dir := t.TempDir()
	env := []string{"NETINV_CLUSTER_DIR=" + dir, fmt.Sprintf("NETINV_ETCD_PORT=%d", etcdPort), fmt.Sprintf("NETINV_API_PORT=%d", apiPort)}
	c := &cluster{t: t, env: env, kubectlBin: filepath.Join(assets, "kubectl")}
	c.kubeconfig = strings.TrimSpace(run(t, env, "hack/local-cluster.sh", "start"))
	t.Cleanup(func() { run(t, env, "hack/local-cluster.sh", "stop") })
	c.env = append(c.env, "KUBECONFIG="+c.kubeconfig)
	return c
}

func (c *cluster) get(args ...string) (string, error) {
	cmd := exec.Command(c.kubectlBin, args...)
	cmd.Env = append(os.Environ(), c.env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// chartNamespace is where the e2e tests install the chart.
const chartNamespace = "netinventory-system"

// installChart renders the chart with helm, validates it with a server-side
// dry run and applies it, with the third-party CRDs the fixture needs, and
// returns a kubeconfig that authenticates as the chart's ServiceAccount.
func (c *cluster) installChart(t *testing.T, sets ...string) string {
	t.Helper()
	run(t, c.env, "go", "run", "./hack/fixture", "-crds", "gateway-api,envoy-gateway,cilium,external-dns,flux")
	args := []string{"tool", "-modfile=hack/tools/go.mod", "helm", "template", "netinventory", "charts/netinventory",
		"-n", chartNamespace, "--include-crds", "--api-versions", "cilium.io/v2/CiliumNetworkPolicy"}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	rendered := run(t, nil, "go", args...)
	manifests := filepath.Join(t.TempDir(), "chart.yaml")
	if err := os.WriteFile(manifests, []byte(rendered), 0o644); err != nil {
		t.Fatal(err)
	}
	c.kubectl(t, "create", "namespace", chartNamespace)
	c.kubectl(t, "apply", "--server-side", "-f", filepath.Join(root, "charts/netinventory/crds"))
	c.kubectl(t, "wait", "--for=condition=Established", "crd/networkinventories.netinventory.io", "--timeout=30s")
	c.kubectl(t, "apply", "--server-side", "--dry-run=server", "-f", manifests)
	c.kubectl(t, "apply", "--server-side", "-f", manifests)
	token := strings.TrimSpace(c.kubectl(t, "create", "token", "netinventory", "-n", chartNamespace, "--duration=2h"))
	return c.kubeconfigWithToken(t, token)
}

// TestChartInstallAsAUserRunsIt renders the chart with helm, validates it
// with a server-side dry run and applies it, then runs the manager binary
// out of cluster with the token of the chart's ServiceAccount, so the
// chart's RBAC is what it runs with. It applies the homelab fixture, reads
// the inventory with kubectl, covers a namespace, scrapes /metrics as a
// Prometheus bound to the chart's metrics-reader role would, and reads the
// Events.
func TestChartInstallAsAUserRunsIt(t *testing.T) {
	start := time.Now()
	c := startCluster(t, 12379, 16443)
	const ns = chartNamespace
	saKubeconfig := c.installChart(t)
	checkLeastPrivilege(t, c)
	mgr := startManagerProc(t, "manager", saKubeconfig, ns, 18381, 18380)

	run(t, c.env, "go", "run", "./hack/fixture", "-crds", "", "test/fixtures/homelab")
	out := c.waitFor(t, 90*time.Second, func(table string) bool {
		return fields(table, "cluster", 1) == "True" && fields(table, "cluster", 2) == "2" && fields(table, "cluster", 3) == "10" &&
			fields(table, "cluster", 7) == "9"
	}, "get", "networkinventory", "-o", "wide")
	header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
	want := []string{"NAME", "READY", "GATEWAYS", "ENDPOINTS", "PUBLIC", "UNAUTHENTICATED", "NAMESPACES", "NOT", "ISOLATED", "CRITICAL", "HIGH", "AGE"} // "NOT ISOLATED" is one column
	if fmt.Sprint(header) != fmt.Sprint(want) {
		t.Errorf("printer columns: %v, want %v", header, want)
	}
	if got := fields(out, "cluster", 4) + " " + fields(out, "cluster", 5) + " " + fields(out, "cluster", 8); got != "6 2 4" {
		t.Errorf("public, unauthenticated, critical: %s\n%s", got, out)
	}

	// A namespace no policy isolates gets one: its finding resolves.
	policy := filepath.Join(t.TempDir(), "deny.yaml")
	if err := os.WriteFile(policy, []byte(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: cert-manager}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	c.kubectl(t, "apply", "-f", policy)
	c.waitFor(t, 30*time.Second, func(table string) bool {
		return fields(table, "cluster", 7) == "8" && fields(table, "cluster", 8) == "3"
	},
		"get", "networkinventory", "-o", "wide")
	cond := c.kubectl(t, "get", "netinv", "cluster", "-o", `jsonpath={.status.conditions[?(@.type=="NamespacesNotIsolated")].message}`)
	if strings.Contains(cond, "cert-manager") || !strings.Contains(cond, "(8)") {
		t.Errorf("NamespacesNotIsolated after covering cert-manager: %s", cond)
	}

	// Metrics, as Prometheus scrapes them: with a token allowed to get
	// /metrics, over HTTPS; nobody else reads them.
	c.kubectl(t, "create", "serviceaccount", "prometheus", "-n", ns)
	c.kubectl(t, "create", "clusterrolebinding", "prometheus-netinventory-metrics",
		"--clusterrole=netinventory-metrics-reader", "--serviceaccount="+ns+":prometheus")
	reader := strings.TrimSpace(c.kubectl(t, "create", "token", "prometheus", "-n", ns))
	c.kubectl(t, "create", "serviceaccount", "stranger", "-n", "default")
	stranger := strings.TrimSpace(c.kubectl(t, "create", "token", "stranger", "-n", "default"))
	if code, _, err := mgr.scrape(""); err != nil || code != http.StatusUnauthorized {
		t.Errorf("/metrics without a token: %d %v, want 401", code, err)
	}
	if code, _, err := mgr.scrape(stranger); err != nil || code != http.StatusForbidden {
		t.Errorf("/metrics with a token not allowed to read it: %d %v, want 403", code, err)
	}
	code, body, err := mgr.scrape(reader)
	if err != nil || code != http.StatusOK {
		t.Fatalf("/metrics as the metrics reader: %d %v", code, err)
	}
	for _, series := range []string{
		`netinventory_namespaces{coverage="None",inventory="cluster"} 8`,
		`netinventory_endpoints{authentication="None",exposure="Public",inventory="cluster"} 1`,
		`netinventory_findings{inventory="cluster",priority="Critical",rule="NamespaceWithoutPolicies"} 2`,
		`netinventory_seconds_since_last_successful_recompute{inventory="cluster"}`,
		`netinventory_status_writes_total{outcome="written"}`,
		`netinventory_recompute_duration_seconds_count`,
	} {
		if !strings.Contains(body, series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}

	// Events on the inventory tell the recent history.
	c.waitFor(t, 30*time.Second, func(events string) bool { return strings.Contains(events, "FindingResolved") },
		"get", "events.events.k8s.io", "-A", "--field-selector", "regarding.name=cluster,regarding.kind=NetworkInventory")

	// The chart's RBAC was enough: nothing was forbidden.
	if strings.Contains(mgr.log.String(), "forbidden") {
		t.Errorf("the manager hit a permission the chart does not grant:\n%s", grepLines(mgr.log.String(), "forbidden"))
	}
	if out, err := c.get("get", "lease", "-n", ns, "netinventory.io"); err != nil {
		t.Errorf("leader election Lease: %v\n%s", err, out)
	}
	t.Logf("e2e took %s; manager %s", time.Since(start).Round(time.Second), rss(mgr.cmd.Process.Pid))
}

// kubeconfigWithToken writes a kubeconfig for the cluster that
// authenticates with a bearer token.
func (c *cluster) kubeconfigWithToken(t *testing.T, token string) string {
	t.Helper()
	server := strings.TrimSpace(c.kubectl(t, "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"))
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: %q, insecure-skip-tls-verify: true}}]
users: [{name: sa, user: {token: %q}}]
contexts: [{name: sa, context: {cluster: local, user: sa}}]
current-context: sa
`, server, token)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// kubectl runs kubectl as the admin and fails the test on error.
func (c *cluster) kubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.get(args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// waitFor runs kubectl until ok accepts its output.
func (c *cluster) waitFor(t *testing.T, timeout time.Duration, ok func(string) bool, args ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out, err := c.get(args...)
		if err == nil && ok(out) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("kubectl %s: not as expected within %s:\n%s", strings.Join(args, " "), timeout, out)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func grepLines(text, word string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// rss reads a process's resident memory.
func rss(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "RSS unknown"
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "VmRSS:") || strings.HasPrefix(l, "VmHWM:") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(out, ", ")
}

// fields returns column i of the row that starts with name.
func fields(table, name string, i int) string {
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) > i && f[0] == name {
			return f[i]
		}
	}
	return ""
}
