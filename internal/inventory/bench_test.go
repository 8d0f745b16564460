package inventory

import (
	"encoding/json"
	"testing"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
	"netinventory.io/netinventory/internal/synthetic"
)

func benchmarkCompute(b *testing.B, pods, policies int) {
	benchmarkShape(b, synthetic.Cluster(pods, policies), true)
}

// benchmarkShape measures the whole recompute of a snapshot, with or
// without the reachability phase.
func benchmarkShape(b *testing.B, snap *snapshot.Snapshot, withReach bool) {
	spec := &v1alpha1.NetworkInventorySpec{}
	b.ReportAllocs()
	b.ResetTimer()
	var res *Result
	for b.Loop() {
		var err error
		if res, err = computePhases(snap, spec, goldenNow, withReach); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	data, _ := json.Marshal(res.Status)
	b.ReportMetric(float64(len(data))/1024, "status-KiB")
	b.ReportMetric(float64(len(snap.Pods)), "pods")
}

func BenchmarkCompute1kPods100Policies(b *testing.B)   { benchmarkCompute(b, 1_000, 100) }
func BenchmarkCompute10kPods1kPolicies(b *testing.B)   { benchmarkCompute(b, 10_000, 1_000) }
func BenchmarkCompute150kPods10kPolicies(b *testing.B) { benchmarkCompute(b, 150_000, 10_000) }

// benchmarkChanges recomputes a 150k-pod cluster that next returns
// changed before each recompute (outside the timer).
func benchmarkChanges(b *testing.B, next func(s *snapshot.Snapshot) *snapshot.Snapshot) {
	snap := synthetic.Cluster(150_000, 10_000)
	spec := &v1alpha1.NetworkInventorySpec{}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		changed := next(snap)
		b.StartTimer()
		if _, err := computePhases(changed, spec, goldenNow, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompute150kPods10kPoliciesOnePodChanged recomputes as the
// manager does after a pod update: one pod of the largest namespace is a
// new object each time, so that namespace is sorted and evaluated again.
func BenchmarkCompute150kPods10kPoliciesOnePodChanged(b *testing.B) {
	benchmarkChanges(b, func(s *snapshot.Snapshot) *snapshot.Snapshot {
		p := *s.Pods[0] // a pod of ns-0000, the largest namespace
		s.Pods[0] = &p
		return s
	})
}

// BenchmarkCompute150kPods10kPoliciesOnePolicyChanged recomputes as the
// manager does after a policy update: one NetworkPolicy is a new object
// each time, so every namespace is evaluated again (the other policies'
// compiled forms are reused).
func BenchmarkCompute150kPods10kPoliciesOnePolicyChanged(b *testing.B) {
	benchmarkChanges(b, func(s *snapshot.Snapshot) *snapshot.Snapshot {
		s.NetworkPolicies[0] = s.NetworkPolicies[0].DeepCopy()
		return s
	})
}

// BenchmarkCompute150kPods10kPoliciesNewObjects recomputes a Snapshot
// whose pods and policies are all new objects each time, as after a
// restart: nothing compiled or sorted for one recompute is reused.
func BenchmarkCompute150kPods10kPoliciesNewObjects(b *testing.B) {
	benchmarkChanges(b, newObjects)
}

// Reachability at scale: the same shapes with gateways and endpoints,
// with and without the reachability phase (the ratio is its cost).
func withEndpoints(pods, policies, endpoints int) *snapshot.Snapshot {
	return synthetic.Generate(synthetic.Shape{Namespaces: max(pods/300, 3), Pods: pods, Policies: policies, Gateways: 2, Routes: endpoints})
}

func BenchmarkReach10kPods1kPolicies1kEndpoints(b *testing.B) {
	benchmarkShape(b, withEndpoints(10_000, 1_000, 1_000), true)
}

func BenchmarkReach10kPods1kPolicies1kEndpointsWithout(b *testing.B) {
	benchmarkShape(b, withEndpoints(10_000, 1_000, 1_000), false)
}

func BenchmarkReach150kPods10kPolicies5kEndpoints(b *testing.B) {
	benchmarkShape(b, withEndpoints(150_000, 10_000, 5_000), true)
}

func BenchmarkReach150kPods10kPolicies5kEndpointsWithout(b *testing.B) {
	benchmarkShape(b, withEndpoints(150_000, 10_000, 5_000), false)
}

func TestLargeClusterStatusFitsTheBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 150k-pod snapshot")
	}
	res, err := Compute(synthetic.Cluster(150_000, 10_000), &v1alpha1.NetworkInventorySpec{}, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(res.Status)
	if len(data) > StatusBudget {
		t.Fatalf("status is %d bytes, over the %d budget", len(data), StatusBudget)
	}
	st := res.Status
	if !st.NetworkPolicies.Truncated || st.NetworkPolicies.Total != 10_000 || st.Summary.NetworkPolicies != 10_000 {
		t.Errorf("lists are cut, totals are not: %d items of %d, truncated=%v", len(st.NetworkPolicies.Items), st.NetworkPolicies.Total, st.NetworkPolicies.Truncated)
	}
	if len(st.Findings.Items) == 0 || st.Findings.Items[0].Priority != v1alpha1.PriorityCritical && st.Summary.Findings.Critical > 0 {
		t.Errorf("the most urgent findings are kept")
	}
}
