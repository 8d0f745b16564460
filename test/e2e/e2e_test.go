// Package e2e runs the manager binary as a user would: against a standalone
// local control plane (hack/local-cluster.sh), with the homelab fixture
// applied, read back with kubectl.
package e2e

import (
	"bytes"
	"context"
	"fmt"
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
	kubectl    string
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

func startCluster(t *testing.T) *cluster {
	t.Helper()
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		if testing.Short() {
			t.Skip("needs the control-plane binaries; run make test")
		}
		t.Fatal("KUBEBUILDER_ASSETS is not set: run make test (it builds the control plane)")
	}
	dir := t.TempDir()
	// Ports apart from the demo's, so both can run at once.
	env := []string{"NETINV_CLUSTER_DIR=" + dir, "NETINV_ETCD_PORT=12379", "NETINV_API_PORT=16443"}
	c := &cluster{t: t, env: env, kubectl: filepath.Join(assets, "kubectl")}
	c.kubeconfig = strings.TrimSpace(run(t, env, "hack/local-cluster.sh", "start"))
	t.Cleanup(func() { run(t, env, "hack/local-cluster.sh", "stop") })
	c.env = append(c.env, "KUBECONFIG="+c.kubeconfig)
	return c
}

func (c *cluster) get(args ...string) (string, error) {
	cmd := exec.Command(c.kubectl, args...)
	cmd.Env = append(os.Environ(), c.env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestManagerKeepsTheInventory builds the manager, runs it against the local
// control plane with the homelab fixture, and reads the inventory with
// kubectl.
func TestManagerKeepsTheInventory(t *testing.T) {
	c := startCluster(t)
	bin := filepath.Join(t.TempDir(), "manager")
	run(t, nil, "go", "build", "-o", bin, "./cmd")
	run(t, c.env, "go", "run", "./hack/fixture", "test/fixtures/homelab")

	ctx, cancel := context.WithCancel(context.Background())
	mgr := exec.CommandContext(ctx, bin, "--leader-elect=true", "--leader-election-namespace=default",
		"--metrics-bind-address=127.0.0.1:0", "--health-probe-bind-address=127.0.0.1:0")
	mgr.Env = append(os.Environ(), c.env...)
	var log bytes.Buffer
	mgr.Stdout, mgr.Stderr = &log, &log
	if err := mgr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = mgr.Wait()
		if t.Failed() {
			t.Logf("manager log:\n%s", log.String())
		}
	})

	deadline := time.Now().Add(60 * time.Second)
	var out string
	for {
		var err error
		out, err = c.get("get", "networkinventory", "-o", "wide")
		if err == nil && fields(out, "cluster", 1) == "True" && fields(out, "cluster", 2) == "2" && fields(out, "cluster", 6) == "17" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("inventory not Ready with the fixture's 2 gateways and 17 namespaces:\n%s", out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
	want := []string{"NAME", "READY", "GATEWAYS", "ENDPOINTS", "PUBLIC", "UNAUTHENTICATED", "NAMESPACES", "UNCOVERED", "CRITICAL", "HIGH", "AGE"}
	if fmt.Sprint(header) != fmt.Sprint(want) {
		t.Errorf("printer columns: %v, want %v", header, want)
	}
	// The short name works too, and the status carries the sources.
	out, err := c.get("get", "netinv", "cluster", "-o", "jsonpath={.status.sources[?(@.kind==\"Pod\")].count}")
	if err != nil || strings.TrimSpace(out) != "97" {
		t.Errorf("pods read: %q %v", out, err)
	}
	// Leader election took a Lease.
	if out, err := c.get("get", "lease", "-n", "default", "netinventory.io"); err != nil {
		t.Errorf("leader election Lease: %v\n%s", err, out)
	}
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
