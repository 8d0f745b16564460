// Package testenv starts a real API server for tests: envtest with the
// control-plane binaries hack/build-controlplane.sh builds, our CRD, and
// the third-party CRDs from the Go module cache.
package testenv

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"netinventory.io/netinventory/internal/fixture"
	"netinventory.io/netinventory/internal/scheme"
)

// Env is a running API server.
type Env struct {
	Config *rest.Config
	Client client.Client
	// Kubeconfig is the path of a kubeconfig for an admin user.
	Kubeconfig string
}

// Start starts kube-apiserver and etcd with our CRD and the given
// third-party CRD sets, for the rest of the test. moduleRoot is a path
// inside the module. Without KUBEBUILDER_ASSETS the test fails (skips
// with -short).
func Start(t *testing.T, moduleRoot string, crdSets ...string) *Env {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		if testing.Short() {
			t.Skip("needs a real API server; run make test")
		}
		t.Fatal("KUBEBUILDER_ASSETS is not set: run make test (it builds the control plane)")
	}
	own, err := fixture.ProjectCRDs(moduleRoot)
	if err != nil {
		t.Fatal(err)
	}
	third, err := fixture.CRDPaths(moduleRoot, crdSets...)
	if err != nil {
		t.Fatal(err)
	}
	env := &envtest.Environment{
		CRDInstallOptions:     envtest.CRDInstallOptions{Paths: append([]string{own}, third...)},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting envtest: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	user, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	return &Env{Config: cfg, Client: c, Kubeconfig: path}
}

// Apply applies a fixture directory, statuses included.
func (e *Env) Apply(t *testing.T, dir string) {
	t.Helper()
	objs, err := fixture.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := fixture.Apply(context.Background(), e.Client, objs); err != nil {
		t.Fatal(err)
	}
}

// Eventually polls check every 100 ms until it passes, failing the test
// with its last error after timeout.
func Eventually(t *testing.T, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not reached within %s: %v", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
