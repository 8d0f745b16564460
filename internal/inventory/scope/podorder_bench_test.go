package scope

import (
	"math/rand/v2"
	"testing"

	"netinventory.io/netinventory/internal/snapshot"
	"netinventory.io/netinventory/internal/synthetic"
)

// BenchmarkSortPods150k sorts the pods of each namespace of a 150k-pod
// cluster, listed in random order as a cache lists them.
func BenchmarkSortPods150k(b *testing.B) {
	byNamespace := map[string][]*snapshot.Pod{}
	for _, p := range synthetic.Cluster(150_000, 0).Pods {
		byNamespace[p.Namespace] = append(byNamespace[p.Namespace], p)
	}
	r := rand.New(rand.NewPCG(1, 1))
	var keys []podKey
	for b.Loop() {
		b.StopTimer()
		for _, pods := range byNamespace {
			r.Shuffle(len(pods), func(i, j int) { pods[i], pods[j] = pods[j], pods[i] })
		}
		b.StartTimer()
		for _, pods := range byNamespace {
			keys = sortPodsByName(pods, keys)
		}
	}
}
