package inventory

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
	"netinventory.io/netinventory/internal/synthetic"
)

// newObjects copies a Snapshot's pods and policies into new objects, as a
// cache holds after a restart: nothing compiled from the others applies.
func newObjects(s *snapshot.Snapshot) *snapshot.Snapshot {
	c := *s
	c.Pods = copies(s.Pods)
	c.NetworkPolicies = copies(s.NetworkPolicies)
	c.CiliumNetworkPolicies = copies(s.CiliumNetworkPolicies)
	c.CiliumClusterwideNetworkPolicies = copies(s.CiliumClusterwideNetworkPolicies)
	return &c
}

// copies deep-copies each object of a list.
func copies[T interface{ DeepCopy() T }](list []T) []T {
	out := make([]T, len(list))
	for i, o := range list {
		out[i] = o.DeepCopy()
	}
	return out
}

// allocsBaseline is where the allocations per recompute at 10k pods are
// recorded (`go test ./internal/inventory -run Allocations -update`).
var allocsBaseline = filepath.Join("testdata", "allocs-10k.json")

// maxAllocGrowth is how much more a recompute may allocate than the
// baseline before the test fails: allocation counts are stable where
// times are not.
const maxAllocGrowth = 1.20

// TestAllocationsAt10kPodsDoNotGrow guards the engine's allocations per
// recompute at 10k pods, with and without endpoints to reach, with
// objects that are all new (the first recompute: nothing is reused from
// the last one), and with one pod new.
func TestAllocationsAt10kPodsDoNotGrow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 10k-pod snapshots")
	}
	shapes := map[string]*snapshot.Snapshot{
		"compute-10k-pods-1k-policies":            synthetic.Cluster(10_000, 1_000),
		"reach-10k-pods-1k-policies-1k-endpoints": withEndpoints(10_000, 1_000, 1_000),
	}
	got := map[string]float64{}
	for name, snap := range shapes {
		got[name] = testing.AllocsPerRun(3, func() {
			if _, err := computePhases(snap, &v1alpha1.NetworkInventorySpec{}, goldenNow, true); err != nil {
				t.Fatal(err)
			}
		})
	}
	// AllocsPerRun calls the function once more than it counts.
	fresh := make([]*snapshot.Snapshot, 4)
	for i := range fresh {
		fresh[i] = newObjects(shapes["compute-10k-pods-1k-policies"])
	}
	got["compute-10k-pods-1k-policies-new-objects"] = testing.AllocsPerRun(3, func() {
		snap := fresh[0]
		fresh = fresh[1:]
		if _, err := computePhases(snap, &v1alpha1.NetworkInventorySpec{}, goldenNow, true); err != nil {
			t.Fatal(err)
		}
	})
	// One pod of the largest namespace a new object each time (a pod's
	// status changed): that namespace is evaluated again, the others kept.
	changing := shapes["compute-10k-pods-1k-policies"]
	got["compute-10k-pods-1k-policies-one-pod-changed"] = testing.AllocsPerRun(3, func() {
		p := *changing.Pods[0]
		changing.Pods[0] = &p
		if _, err := computePhases(changing, &v1alpha1.NetworkInventorySpec{}, goldenNow, true); err != nil {
			t.Fatal(err)
		}
	})
	if *update {
		data, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(allocsBaseline, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(allocsBaseline)
	if err != nil {
		t.Fatalf("%v (record it with -update)", err)
	}
	var want map[string]float64
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	for name, n := range got {
		base, ok := want[name]
		switch {
		case !ok:
			t.Errorf("%s: no baseline (record it with -update)", name)
		case n > base*maxAllocGrowth:
			t.Errorf("%s: %.0f allocations per recompute, %.0f%% over the baseline %.0f (at most %.0f%%)", name, n, (n/base-1)*100, base, (maxAllocGrowth-1)*100)
		default:
			t.Logf("%s: %.0f allocations per recompute (baseline %.0f)", name, n, base)
		}
	}
}
