// Package scenarios is the scenario suite: each directory under
// test/scenarios holds an input (the objects, as `kubectl netinv audit`
// reads them) and want.yaml (the part of the NetworkInventory status that
// must come out). Every scenario runs twice, through the engine with the
// audit's loading path and through the audit command itself, and both must
// satisfy want.yaml. Scenarios under pending/ are semantics the engine does
// not get right yet: they must fail, until they are fixed and moved up.
// See README.md for the format.
package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/cli"
	"netinventory.io/netinventory/internal/crdschema"
	"netinventory.io/netinventory/internal/inventory"
	"netinventory.io/netinventory/internal/snapshot"
)

// pendingDir holds the scenarios the engine does not pass yet.
const pendingDir = "pending"

// Keys of want.yaml that are not part of the status.
const (
	keyDescription = "description"
	keySource      = "source"
	keyAbsent      = "absent"
	keyOrdered     = "ordered"
	keyExact       = "exact"
)

// scenario is one case: its input and what must come out of it.
type scenario struct {
	name string
	dir  string
	// input is input.yaml or the input/ directory.
	input string
	// want is the wanted subset of the status.
	want map[string]any
	// absent maps a status list (findings, endpoints, ...) to elements
	// none of its items may match.
	absent map[string]any
	// ordered and exact are the list paths (as `findings.items`) whose
	// order matters, or whose length must be the wanted one.
	ordered, exact map[string]bool
	description    string
	// pending is the content of pending.txt, for pending scenarios.
	pending string
}

// loadScenarios reads every scenario directory under dir, failing the test
// on a directory that is not a well-formed scenario.
func loadScenarios(t *testing.T, dir string) []*scenario {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []*scenario
	for _, e := range entries {
		if !e.IsDir() || e.Name() == pendingDir || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sc, err := loadScenario(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Errorf("scenario %s: %v", e.Name(), err)
			continue
		}
		out = append(out, sc)
	}
	return out
}

func loadScenario(dir string) (*scenario, error) {
	sc := &scenario{name: filepath.Base(dir), dir: dir, ordered: map[string]bool{}, exact: map[string]bool{}}
	for _, in := range []string{"input.yaml", "input"} {
		if _, err := os.Stat(filepath.Join(dir, in)); err == nil {
			if sc.input != "" {
				return nil, errors.New("has both input.yaml and input/: keep one")
			}
			sc.input = filepath.Join(dir, in)
		}
	}
	if sc.input == "" {
		return nil, errors.New("no input.yaml and no input/ directory")
	}
	// input/ may be a symlink to a fixture directory (homelab): the
	// Loader walks a directory with filepath.WalkDir, which does not
	// follow a symlinked root, so both paths get the resolved directory.
	resolved, err := filepath.EvalSymlinks(sc.input)
	if err != nil {
		return nil, err
	}
	sc.input = resolved
	data, err := os.ReadFile(filepath.Join(dir, "want.yaml"))
	if err != nil {
		return nil, err
	}
	var want map[string]any
	if err := yaml.UnmarshalStrict(data, &want); err != nil {
		return nil, fmt.Errorf("want.yaml: %w", err)
	}
	if want == nil {
		return nil, errors.New("want.yaml is empty")
	}
	sc.description, _ = want[keyDescription].(string)
	source, _ := want[keySource].(string)
	if strings.TrimSpace(sc.description) == "" || strings.TrimSpace(source) == "" {
		return nil, errors.New("want.yaml needs a description (the semantics point, one sentence) and a source (where it is defined)")
	}
	if a, ok := want[keyAbsent]; ok {
		if sc.absent, ok = a.(map[string]any); !ok {
			return nil, errors.New("want.yaml: absent must map a status list (findings, endpoints, ...) to elements")
		}
	}
	for key, set := range map[string]map[string]bool{keyOrdered: sc.ordered, keyExact: sc.exact} {
		list, _ := want[key].([]any)
		for _, p := range list {
			set[fmt.Sprint(p)] = true
		}
	}
	for _, k := range []string{keyDescription, keySource, keyAbsent, keyOrdered, keyExact} {
		delete(want, k)
	}
	if len(want) == 0 && len(sc.absent) == 0 {
		return nil, errors.New("want.yaml asserts nothing")
	}
	sc.want = want
	if p, err := os.ReadFile(filepath.Join(dir, "pending.txt")); err == nil {
		sc.pending = strings.TrimSpace(string(p))
	}
	return sc, nil
}

// now is the time both paths compute at: the audit reads the clock, so
// acknowledgements in scenarios expire far from it (or long ago).
func now() time.Time { return time.Now().UTC().Truncate(time.Second) }

// runEngine loads the input exactly as `kubectl netinv audit` does (the
// same Loader options: workloads become pods, NetworkInventories are
// validated against the CRD and give the spec) and computes the inventory.
func runEngine(input string) (map[string]any, *inventory.Result, error) {
	l := &snapshot.Loader{Other: snapshot.WorkloadPods, ValidateInventory: validateInventory}
	l.AddPath(input)
	snap, err := l.Snapshot()
	if err != nil {
		return nil, nil, fmt.Errorf("loading %s: %w", input, err)
	}
	if l.Count() == 0 {
		return nil, nil, fmt.Errorf("no Kubernetes object in %s", input)
	}
	spec := &v1alpha1.NetworkInventorySpec{}
	if len(l.Inventories) > 0 {
		spec = &l.Inventories[0].Spec
	}
	t := now()
	res, err := inventory.Compute(snap, spec, t)
	if err != nil {
		return nil, nil, err
	}
	status, err := toGeneric(res.Inventory("scenario", spec, t).Status)
	return status, res, err
}

// validateInventory refuses a NetworkInventory the CRD's schema refuses,
// as the audit does.
func validateInventory(u *unstructured.Unstructured) error {
	v, err := crdschema.NetworkInventory()
	if err != nil {
		return err
	}
	if errs := v.Validate(u.Object); len(errs) > 0 {
		return errs.ToAggregate()
	}
	return nil
}

// runAudit runs `kubectl netinv audit -f input -o yaml --fail-on none` in
// process and returns the status it printed.
func runAudit(input string) (map[string]any, error) {
	var out, errOut bytes.Buffer
	cmd := cli.NewCommand(cli.Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs([]string{"audit", "-f", input, "-o", "yaml", "--fail-on", "none"})
	if err := cmd.Execute(); err != nil {
		return nil, fmt.Errorf("kubectl netinv audit: %v\n%s", err, errOut.String())
	}
	var obj map[string]any
	if err := yaml.Unmarshal(out.Bytes(), &obj); err != nil {
		return nil, fmt.Errorf("reading the audit's YAML: %w", err)
	}
	status, _ := obj["status"].(map[string]any)
	if status == nil {
		return nil, fmt.Errorf("the audit printed no status:\n%s", out.String())
	}
	return status, nil
}

// toGeneric turns a value into its JSON form: maps, lists, strings,
// float64s, bools and nils, as want.yaml is read.
func toGeneric(v any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	return out, json.Unmarshal(data, &out)
}

// paths are the two ways a scenario runs.
var paths = []struct {
	name string
	run  func(input string) (map[string]any, error)
}{
	{"engine", func(input string) (map[string]any, error) {
		status, _, err := runEngine(input)
		return status, err
	}},
	{"audit", runAudit},
}

// TestScenarios runs every scenario through the engine and through the
// audit command; both must satisfy its want.yaml.
func TestScenarios(t *testing.T) {
	scenarios := loadScenarios(t, ".")
	if len(scenarios) == 0 {
		t.Fatal("no scenario found")
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if sc.pending != "" {
				t.Fatalf("pending.txt belongs under %s/: a scenario outside it must pass", pendingDir)
			}
			for _, p := range paths {
				t.Run(p.name, func(t *testing.T) {
					status, err := p.run(sc.input)
					if err != nil {
						t.Fatal(err)
					}
					if os.Getenv("SCENARIOS_DUMP") != "" {
						dump, _ := yaml.Marshal(status)
						t.Logf("status from the %s:\n%s", p.name, dump)
					}
					if diffs := sc.check(status); len(diffs) > 0 {
						t.Errorf("%s\n(%s)\n%d mismatches between want.yaml and the %s's status:\n%s",
							sc.dir, oneLine(sc.description), len(diffs), p.name, strings.Join(diffs, "\n"))
					}
				})
			}
		})
	}
}

// TestPendingScenarios runs the scenarios the engine does not pass yet:
// each must still fail, for the reason its pending.txt names. One that
// passes is fixed: move it out of pending/.
func TestPendingScenarios(t *testing.T) {
	if _, err := os.Stat(pendingDir); errors.Is(err, os.ErrNotExist) {
		t.Skip("no pending scenario")
	}
	for _, sc := range loadScenarios(t, pendingDir) {
		t.Run(sc.name, func(t *testing.T) {
			if sc.pending == "" {
				t.Fatal("a pending scenario needs a pending.txt naming the expected failure and its source of truth")
			}
			for _, p := range paths {
				t.Run(p.name, func(t *testing.T) {
					status, err := p.run(sc.input)
					if err != nil {
						t.Fatalf("a pending scenario must load and compute, and fail on its want.yaml: %v", err)
					}
					diffs := sc.check(status)
					if len(diffs) == 0 {
						t.Errorf("pending scenario %s now passes through the %s: the engine agrees with its source; "+
							"move it to test/scenarios/%s and delete its pending.txt\n(%s)", sc.name, p.name, sc.name, oneLine(sc.pending))
						return
					}
					t.Logf("fails as expected (%s):\n%s", firstSentence(sc.pending), strings.Join(diffs, "\n"))
				})
			}
		})
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// firstSentence is the first sentence of a text, on one line.
func firstSentence(s string) string {
	s = oneLine(s)
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
