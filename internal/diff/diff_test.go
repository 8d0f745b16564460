package diff

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory"
	"netinventory.io/netinventory/internal/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)

// audit computes the status of manifests as `kubectl netinv audit` does:
// workloads become pods, a NetworkInventory among them gives the spec, and
// every finding is listed.
func audit(t *testing.T, path string) *v1alpha1.NetworkInventoryStatus {
	t.Helper()
	l := &snapshot.Loader{Other: snapshot.WorkloadPods, Strict: true}
	l.AddPath(path)
	snap, err := l.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	spec := &v1alpha1.NetworkInventorySpec{}
	if len(l.Inventories) > 0 {
		spec = &l.Inventories[0].Spec
	}
	res, err := inventory.Compute(snap, spec, now)
	if err != nil {
		t.Fatal(err)
	}
	st := res.Inventory("cluster", spec, now).Status
	st.Findings.Items, st.Findings.Truncated = res.Findings, false
	return &st
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
		t.Fatalf("%v (go test ./internal/diff/ -run Golden -update)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs; rerun with -update and review the diff:\n%s", path, got)
	}
}

func render(t *testing.T, format string, c *Changes) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, format, c); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// cases are the manifest pairs under testdata: CASE/base.yaml and
// CASE/head.yaml, each the state before and after a pull request.
func cases(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "base.yaml"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	var out []string
	for _, d := range dirs {
		out = append(out, filepath.Base(filepath.Dir(d)))
	}
	return out
}

// TestGoldenChanges renders, for each manifest pair, the changes the real
// engine's inventories show: testdata/CASE.md (and CASE.json for some).
func TestGoldenChanges(t *testing.T) {
	for _, name := range cases(t) {
		t.Run(name, func(t *testing.T) {
			c := Compare(audit(t, filepath.Join("testdata", name, "base.yaml")), audit(t, filepath.Join("testdata", name, "head.yaml")))
			golden(t, name+".md", render(t, "markdown", c))
			if _, err := os.Stat(filepath.Join("testdata", name+".json")); err == nil || *update && name == "security-policy-removed" {
				golden(t, name+".json", render(t, "json", c))
			}
		})
	}
}
