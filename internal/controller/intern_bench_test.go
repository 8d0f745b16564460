package controller

import (
	"fmt"
	"testing"
)

// BenchmarkTrimPod measures the cache transform on a workload's pod (what
// every pod event of the cluster goes through).
func BenchmarkTrimPod(b *testing.B) {
	pods := make([]any, 1000)
	for i := range pods {
		pods[i] = replicaPod(fmt.Sprintf("web-%d", i), nil)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := TrimPod(pods[i%len(pods)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
