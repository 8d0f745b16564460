package inventory

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden files from the engine's output")

// goldenNow is the fixed time the golden tests compute at.
var goldenNow = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)

// loadFixture loads a fixture directory and the spec of its NetworkInventory.
func loadFixture(t testing.TB, dir string) (*snapshot.Snapshot, *v1alpha1.NetworkInventorySpec) {
	t.Helper()
	l := &snapshot.Loader{Strict: true}
	l.AddPath(dir)
	snap, err := l.Snapshot()
	if err != nil {
		t.Fatalf("loading %s: %v", dir, err)
	}
	spec := &v1alpha1.NetworkInventorySpec{}
	if len(l.Inventories) > 0 {
		spec = &l.Inventories[0].Spec
	}
	return snap, spec
}

func computeFixture(t testing.TB, name string) *Result {
	t.Helper()
	snap, spec := loadFixture(t, filepath.Join("..", "..", "test", "fixtures", name))
	res, err := Compute(snap, spec, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestGolden compares the engine's result on every fixture with its golden
// file; `go test -run Golden -update` rewrites them.
func TestGolden(t *testing.T) {
	dirs, err := os.ReadDir(filepath.Join("..", "..", "test", "fixtures"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		// flux-repo is a repository to build (with its Helm chart), which
		// the audit's tests do, not a cluster's objects.
		if !d.IsDir() || d.Name() == "flux-repo" {
			continue
		}
		t.Run(d.Name(), func(t *testing.T) {
			res := computeFixture(t, d.Name())
			got, err := yaml.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			// The engine is deterministic: a second run gives the same bytes.
			again, _ := yaml.Marshal(computeFixture(t, d.Name()))
			if string(again) != string(got) {
				t.Fatal("two runs on the same fixture differ")
			}
			path := filepath.Join("testdata", d.Name()+".golden.yaml")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run Golden -update)", err)
			}
			if string(want) != string(got) {
				t.Errorf("result differs from %s; rerun with -update and review the diff:\n%s", path, lineDiff(string(want), string(got)))
			}
		})
	}
}
