// Package oracle is the differential test of the engine's coverage phase
// against Cilium's own policy repository: for the scenarios, the homelab
// fixture and generated policy sets, every pod's isolation per direction
// from the engine must equal what Cilium's repository enforces for the
// pod's identity. Cilium's policy packages cannot be linked into this
// module, so they run in a separate program (hack/ciliumoracle/), built and
// cached by hack/build-ciliumoracle.sh.
package oracle

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/snapshot"
)

// oracleEnv names the oracle binary; when unset the test builds it.
const oracleEnv = "NETINV_CILIUM_ORACLE"

// dumpEnv names a directory to write every case the engine and Cilium
// disagree on, as the oracle's input line, to replay it by hand:
// cilium-policy-oracle < case.json.
const dumpEnv = "NETINV_ORACLE_DUMP"

// repoRoot is the module root, relative to this package.
const repoRoot = "../.."

// oracleCase is one line of the oracle's input.
type oracleCase struct {
	Name         string            `json:"name"`
	EnablePolicy string            `json:"enablePolicy,omitempty"`
	Objects      []json.RawMessage `json:"objects"`
	Queries      []query           `json:"queries,omitempty"`
	// NonDefaultDenyPolicies is false when Cilium ignores
	// enableDefaultDeny: false.
	NonDefaultDenyPolicies *bool `json:"nonDefaultDenyPolicies,omitempty"`
}

// verdict is Cilium's enforcement of one direction for a pod.
type verdict struct {
	Enforced bool `json:"enforced"`
	Isolated bool `json:"isolated"`
}

type podVerdict struct {
	Namespace string  `json:"namespace"`
	Name      string  `json:"name"`
	Ingress   verdict `json:"ingress"`
	Egress    verdict `json:"egress"`
}

type oracleResult struct {
	Name    string       `json:"name"`
	Pods    []podVerdict `json:"pods"`
	Allowed []bool       `json:"allowed"`
	Errors  []string     `json:"errors"`
}

// oracleBinary returns the oracle's path, building it when needed.
func oracleBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv(oracleEnv); p != "" {
		return p
	}
	cmd := exec.Command(filepath.Join(repoRoot, "hack", "build-ciliumoracle.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("building the Cilium policy oracle: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// askCilium runs the oracle over cases, returning its answers by case name.
func askCilium(t *testing.T, cases []oracleCase) map[string]*oracleResult {
	t.Helper()
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for i := range cases {
		if err := enc.Encode(&cases[i]); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(oracleBinary(t))
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cilium-policy-oracle: %v: %s", err, stderr.String())
	}
	results := map[string]*oracleResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for sc.Scan() {
		r := &oracleResult{}
		if err := json.Unmarshal(sc.Bytes(), r); err != nil {
			t.Fatalf("reading the oracle's answer: %v", err)
		}
		results[r.Name] = r
	}
	if len(results) != len(cases) {
		t.Fatalf("the oracle answered %d cases of %d", len(results), len(cases))
	}
	return results
}

// caseOf turns a snapshot into the oracle's input: its namespaces (with the
// name label the API server adds), pods, the NetworkPolicies the API server
// accepts (a manifest may hold one with an invalid pod selector, which the
// engine reports), the Cilium policies the agent accepted (Valid is not
// False), and the enforcement mode.
func caseOf(t *testing.T, name string, snap *snapshot.Snapshot) oracleCase {
	t.Helper()
	c := oracleCase{Name: name, EnablePolicy: string(snap.CiliumPolicyEnforcement)}
	if snap.CiliumIgnoresDefaultDenyFalse {
		off := false
		c.NonDefaultDenyPolicies = &off
	}
	add := func(gvk schema.GroupVersionKind, obj runtime.Object) {
		obj.GetObjectKind().SetGroupVersionKind(gvk)
		b, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		c.Objects = append(c.Objects, b)
	}
	core := schema.GroupVersion{Version: "v1"}
	for i := range snap.Namespaces {
		ns := snap.Namespaces[i].DeepCopy()
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels["kubernetes.io/metadata.name"] = ns.Name
		add(core.WithKind("Namespace"), ns)
	}
	for i := range snap.Pods {
		add(core.WithKind("Pod"), snap.Pods[i].DeepCopy())
	}
	for i := range snap.NetworkPolicies {
		if _, err := metav1.LabelSelectorAsSelector(&snap.NetworkPolicies[i].Spec.PodSelector); err != nil {
			continue // the API server refuses it: it never reaches Cilium
		}
		add(schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy"}, snap.NetworkPolicies[i].DeepCopy())
	}
	for i := range snap.CiliumNetworkPolicies {
		if p := snap.CiliumNetworkPolicies[i]; accepted(&p.Status) {
			add(ciliumv2.SchemeGroupVersion.WithKind("CiliumNetworkPolicy"), p.DeepCopy())
		}
	}
	for i := range snap.CiliumClusterwideNetworkPolicies {
		if p := snap.CiliumClusterwideNetworkPolicies[i]; accepted(&p.Status) {
			add(ciliumv2.SchemeGroupVersion.WithKind("CiliumClusterwideNetworkPolicy"), p.DeepCopy())
		}
	}
	return c
}

// accepted is false for a policy the Cilium agent reported invalid: the
// agent does not import it.
func accepted(st *ciliumv2.CiliumNetworkPolicyStatus) bool {
	for _, c := range st.Conditions {
		if c.Type == ciliumv2.PolicyConditionValid && c.Status == "False" {
			return false
		}
	}
	return true
}

// enginePods computes the inventory of a snapshot and returns its pods.
func enginePods(t *testing.T, snap *snapshot.Snapshot) []*model.PodCoverage {
	t.Helper()
	res, err := inventory.Compute(snap, &v1alpha1.NetworkInventorySpec{}, metav1.Now().Truncate(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return slices.Collect(res.Model.Pods())
}

// disagreements compares the engine's pods with Cilium's verdicts.
func disagreements(pods []*model.PodCoverage, r *oracleResult) []string {
	cilium := map[string]podVerdict{}
	for _, p := range r.Pods {
		cilium[p.Namespace+"/"+p.Name] = p
	}
	var out []string
	for _, p := range pods {
		if p.HostNetwork {
			continue
		}
		key := p.Pod.Namespace + "/" + p.Pod.Name
		c, ok := cilium[key]
		if !ok {
			out = append(out, fmt.Sprintf("%s: Cilium has no verdict", key))
			continue
		}
		for d, v := range map[model.Direction]verdict{model.Ingress: c.Ingress, model.Egress: c.Egress} {
			if p.Isolated[d] != v.Isolated {
				out = append(out, fmt.Sprintf("%s %s: engine isolated=%v, Cilium isolated=%v (enforced=%v)",
					key, d, p.Isolated[d], v.Isolated, v.Enforced))
			}
		}
	}
	return out
}

// loadDir loads manifests as the audit does.
func loadDir(t *testing.T, path string) *snapshot.Snapshot {
	t.Helper()
	l := &snapshot.Loader{Other: snapshot.WorkloadPods}
	l.AddPath(path)
	snap, err := l.Snapshot()
	if err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
	return snap
}

// allCases loads every scenario (pending ones too), the homelab fixture
// and the generated policy sets, as oracle cases with their snapshots.
func allCases(t *testing.T) ([]oracleCase, map[string]*snapshot.Snapshot) {
	t.Helper()
	var cases []oracleCase
	snaps := map[string]*snapshot.Snapshot{}
	addCase := func(name string, snap *snapshot.Snapshot) {
		snaps[name] = snap
		cases = append(cases, caseOf(t, name, snap))
	}
	scenarioDirs, err := filepath.Glob(filepath.Join(repoRoot, "test", "scenarios", "*", "input*"))
	if err != nil {
		t.Fatal(err)
	}
	pending, err := filepath.Glob(filepath.Join(repoRoot, "test", "scenarios", "pending", "*", "input*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range append(scenarioDirs, pending...) {
		addCase("scenario "+filepath.Base(filepath.Dir(in)), loadDir(t, in))
	}
	addCase("homelab", loadDir(t, filepath.Join(repoRoot, "test", "fixtures", "homelab")))
	generated := generateSets(generatedSets, generatorSeed)
	for i, snap := range generated {
		addCase(fmt.Sprintf("generated %d", i), snap)
	}
	if len(scenarioDirs) < 50 || len(generated) < 1000 {
		t.Fatalf("too few cases: %d scenarios, %d generated sets", len(scenarioDirs), len(generated))
	}
	return cases, snaps
}

// dump writes a case to the directory dumpEnv names, if any.
func dump(t *testing.T, c oracleCase) {
	dir := os.Getenv(dumpEnv)
	if dir == "" {
		return
	}
	b, err := json.Marshal(c)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, strings.ReplaceAll(c.Name, " ", "-")+".json"), b, 0o644)
	}
	if err != nil {
		t.Error(err)
	}
}

// TestCoverageAgreesWithCilium runs the engine and Cilium's policy
// repository over every scenario, the homelab fixture and generated policy
// sets, and requires the same isolation for every pod and direction.
func TestCoverageAgreesWithCilium(t *testing.T) {
	cases, snaps := allCases(t)
	answers := askCilium(t, cases)
	// The comparison means something only if Cilium's answers vary.
	seen := map[string]bool{}
	for _, ans := range answers {
		for _, p := range ans.Pods {
			seen[fmt.Sprintf("ingress %v", p.Ingress.Isolated)] = true
			seen[fmt.Sprintf("egress %v", p.Egress.Isolated)] = true
		}
	}
	if len(seen) != 4 {
		t.Fatalf("Cilium's verdicts do not vary (%v): the oracle is not evaluating the policies", seen)
	}
	compared, failures := 0, 0
	for _, c := range cases {
		ans := answers[c.Name]
		if ans == nil {
			t.Errorf("%s: no answer from the oracle", c.Name)
			continue
		}
		pods := enginePods(t, snaps[c.Name])
		compared += len(pods)
		diff := disagreements(pods, ans)
		if len(diff) == 0 {
			continue
		}
		failures++
		dump(t, c)
		if failures <= 5 {
			objects, _ := json.MarshalIndent(c, "", "  ")
			t.Errorf("%s: the engine disagrees with Cilium:\n  %s\ninput:\n%s", c.Name, strings.Join(diff, "\n  "), objects)
		} else {
			t.Errorf("%s: the engine disagrees with Cilium:\n  %s", c.Name, strings.Join(diff, "\n  "))
		}
		if len(ans.Errors) > 0 {
			t.Logf("%s: the oracle reported: %s", c.Name, strings.Join(ans.Errors, "; "))
		}
	}
	t.Logf("%d cases, %d pods compared, %d cases disagree", len(cases), compared, failures)
}
