package inventory

import (
	"encoding/json"
	"sync"
	"testing"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
	"netinventory.io/netinventory/internal/synthetic"
)

// Recomputes share what they compiled (the policies of the last one, the
// forms of each policy object): concurrent recomputes of one Snapshot, and
// of another, give what one recompute alone gives (run with -race, this
// also finds a write to what they share).
func TestConcurrentRecomputesAgree(t *testing.T) {
	snaps := []*snapshot.Snapshot{
		synthetic.Generate(synthetic.Shape{Namespaces: 12, Pods: 2_000, Policies: 300, Gateways: 1, Routes: 40}),
		synthetic.Generate(synthetic.Shape{Namespaces: 5, Pods: 500, Policies: 80}),
	}
	spec := &v1alpha1.NetworkInventorySpec{}
	want := make([]string, len(snaps))
	for i, s := range snaps {
		res, err := Compute(s, spec, goldenNow)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal(res.Status)
		want[i] = string(data)
	}
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 4 {
				k := (w + i) % len(snaps)
				res, err := Compute(snaps[k], spec, goldenNow)
				if err != nil {
					t.Error(err)
					return
				}
				if data, _ := json.Marshal(res.Status); string(data) != want[k] {
					t.Errorf("a concurrent recompute of snapshot %d differs from one alone", k)
				}
			}
		}()
	}
	wg.Wait()
}
