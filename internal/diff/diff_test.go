package diff

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
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

// TestSameInputsNoChange: an inventory compared with itself has no change,
// and says so in one line.
func TestSameInputsNoChange(t *testing.T) {
	paths := []string{filepath.Join("..", "..", "test", "fixtures", "homelab")}
	for _, name := range cases(t) {
		paths = append(paths, filepath.Join("testdata", name, "base.yaml"), filepath.Join("testdata", name, "head.yaml"))
	}
	for _, p := range paths {
		c := Compare(audit(t, p), audit(t, p))
		if !c.Empty() {
			t.Errorf("%s compared with itself: %+v", p, c)
		}
		want := "**Network inventory:** no change to endpoints, gateways, LoadBalancer and NodePort Services, namespace isolation or findings.\n"
		if got := string(render(t, "markdown", c)); got != want {
			t.Errorf("%s: got %q, want %q", p, got, want)
		}
	}
}

// TestReverseMirrors: comparing head with base reverses every change:
// added and removed swap, opened findings close, what was worse is better.
func TestReverseMirrors(t *testing.T) {
	kinds := map[Kind]Kind{Added: Removed, Removed: Added, Changed: Changed}
	effects := map[Effect]Effect{Worse: Better, Better: Worse, Neutral: Neutral}
	for _, name := range cases(t) {
		base, head := audit(t, filepath.Join("testdata", name, "base.yaml")), audit(t, filepath.Join("testdata", name, "head.yaml"))
		fwd, rev := Compare(base, head), Compare(head, base)
		type item struct {
			kind   Kind
			effect Effect
		}
		check := func(what string, f, r map[string]item, mirrorEffect bool) {
			if len(f) != len(r) {
				t.Errorf("%s: %d %s changes forward, %d reversed", name, len(f), what, len(r))
			}
			for k, fi := range f {
				ri, ok := r[k]
				switch {
				case !ok:
					t.Errorf("%s: %s %s changes forward only", name, what, k)
				case ri.kind != kinds[fi.kind]:
					t.Errorf("%s: %s %s: %s forward, %s reversed", name, what, k, fi.kind, ri.kind)
				case mirrorEffect && ri.effect != effects[fi.effect]:
					t.Errorf("%s: %s %s: %s forward, %s reversed", name, what, k, fi.effect, ri.effect)
				}
			}
		}
		endpoints := func(c *Changes) map[string]item {
			m := map[string]item{}
			for _, e := range c.Endpoints {
				// a moved endpoint is keyed by its head: by its route here
				k := e.Key
				if e.Change == Changed {
					k = e.Head.Hostname + " " + e.Head.Route.Name
				}
				m[k] = item{e.Change, e.Effect}
			}
			return m
		}
		check("endpoint", endpoints(fwd), endpoints(rev), true)
		gateways := func(c *Changes) map[string]item {
			m := map[string]item{}
			for _, g := range c.Gateways {
				m[g.Key] = item{g.Change, g.Effect}
			}
			return m
		}
		check("gateway", gateways(fwd), gateways(rev), true)
		services := func(c *Changes) map[string]item {
			m := map[string]item{}
			for _, s := range c.Services {
				m[s.Key] = item{s.Change, s.Effect}
			}
			return m
		}
		check("service", services(fwd), services(rev), true)
		namespaces := func(c *Changes) map[string]item {
			m := map[string]item{}
			for _, n := range c.Namespaces {
				m[n.Key] = item{kind: n.Change}
			}
			return m
		}
		check("namespace", namespaces(fwd), namespaces(rev), false)

		transitions := map[Transition][]Transition{Opened: {Closed}, Closed: {Opened, Acknowledged}, Raised: {Lowered}, Lowered: {Raised},
			Reopened: {Acknowledged}, Acknowledged: {Reopened, Closed}}
		back := map[string]Transition{}
		for _, f := range rev.Findings {
			back[f.Key] = f.Change
		}
		if len(back) != len(fwd.Findings) {
			t.Errorf("%s: %d findings change forward, %d reversed", name, len(fwd.Findings), len(back))
		}
		for _, f := range fwd.Findings {
			if !slices.Contains(transitions[f.Change], back[f.Key]) {
				t.Errorf("%s: finding %s %s forward, %s reversed", name, f.Key, f.Change, back[f.Key])
			}
		}
	}
}

// TestOrderDoesNotDependOnInput: the lists of either side in another order
// give the same changes, byte for byte.
func TestOrderDoesNotDependOnInput(t *testing.T) {
	for _, name := range cases(t) {
		base, head := audit(t, filepath.Join("testdata", name, "base.yaml")), audit(t, filepath.Join("testdata", name, "head.yaml"))
		want := render(t, "json", Compare(base, head))
		for _, st := range []*v1alpha1.NetworkInventoryStatus{base, head} {
			slices.Reverse(st.Endpoints.Items)
			slices.Reverse(st.Findings.Items)
			slices.Reverse(st.Namespaces.Items)
			slices.Reverse(st.Services.Items)
			slices.Reverse(st.Gateways.Items)
		}
		if got := render(t, "json", Compare(base, head)); !bytes.Equal(got, want) {
			t.Errorf("%s: the order of the inputs changes the output", name)
		}
	}
}
