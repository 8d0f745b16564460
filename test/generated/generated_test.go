// Package generated checks that the files generated from the Go types and
// markers (deepcopy code, the CRD in config/ and in the chart, RBAC) are in
// sync with them: run `make generate` when this test fails.
package generated

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const root = "../.."

func controllerGen(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"tool", "-modfile=hack/tools/go.mod", "controller-gen"}, args...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("controller-gen %v: %v\n%s", args, err, out)
	}
}

func sameFiles(t *testing.T, generated, committed string) {
	t.Helper()
	want, err := os.ReadFile(generated)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(committed)
	if err != nil {
		t.Fatalf("%v (run make generate)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s is out of date with the Go types: run make generate", committed)
	}
}

func TestCRDsInSync(t *testing.T) {
	if testing.Short() {
		t.Skip("runs controller-gen")
	}
	dir := t.TempDir()
	controllerGen(t, "crd", "paths=./api/...", "output:crd:artifacts:config="+dir)
	const crd = "netinventory.io_networkinventories.yaml"
	sameFiles(t, filepath.Join(dir, crd), filepath.Join(root, "config/crd/bases", crd))
	sameFiles(t, filepath.Join(dir, crd), filepath.Join(root, "charts/netinventory/crds", crd))
}

func TestRBACInSync(t *testing.T) {
	if testing.Short() {
		t.Skip("runs controller-gen")
	}
	dir := t.TempDir()
	controllerGen(t, "rbac:roleName=netinventory-manager", "paths=./internal/controller/...", "output:rbac:artifacts:config="+dir)
	sameFiles(t, filepath.Join(dir, "role.yaml"), filepath.Join(root, "config/rbac/role.yaml"))
}

func TestDeepCopyInSync(t *testing.T) {
	if testing.Short() {
		t.Skip("runs controller-gen")
	}
	dir := t.TempDir()
	controllerGen(t, "object", "paths=./api/...", "output:object:dir="+dir)
	sameFiles(t, filepath.Join(dir, "zz_generated.deepcopy.go"), filepath.Join(root, "api/v1alpha1/zz_generated.deepcopy.go"))
}
