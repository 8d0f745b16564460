package scope

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"netinventory.io/netinventory/internal/snapshot"
)

// The prefix keys order names as comparing them whole does, whatever their
// length or bytes (zeros included).
func TestPodsSortByNameAsStringsCompare(t *testing.T) {
	names := []string{"", "a", "ab", "ab\x00", "ab\x00\x00\x00\x00\x00\x00\x00", "ab\x01", "abcdefgh", "abcdefgh-1", "abcdefgh-0",
		"abcdefgi", "b", "\xff\xff\xff\xff\xff\xff\xff\xff\xff", "app-10-0", "app-1-0", "app-2-0", "zz"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteByte("a0-\x00\xff"[r.IntN(5)])
		}
		names = append(names, b.String())
	}
	pods := make([]*snapshot.Pod, len(names))
	for i, n := range names {
		pods[i] = &snapshot.Pod{PodMeta: snapshot.PodMeta{Name: n}}
	}
	r.Shuffle(len(pods), func(i, j int) { pods[i], pods[j] = pods[j], pods[i] })
	sortPodsByName(pods, nil)
	got := make([]string, len(pods))
	for i, p := range pods {
		got[i] = p.Name
	}
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Error("pods are not in name order")
	}
}
