package memo

import (
	"maps"
	"testing"
)

// A recompute finds what the last one kept, and only that: a namespace
// the last one did not keep is gone.
func TestEachRecomputeFindsTheLastOnesValues(t *testing.T) {
	var m ByNamespace[int]
	first := m.Begin(2)
	if len(first.Last) != 0 {
		t.Fatalf("the first recompute finds %v", first.Last)
	}
	first.Next["a"], first.Next["b"] = 1, 2
	first.Keep()
	second := m.Begin(1)
	if want := map[string]int{"a": 1, "b": 2}; !maps.Equal(second.Last, want) {
		t.Errorf("the second recompute finds %v, want %v", second.Last, want)
	}
	second.Next["a"] = second.Last["a"]
	second.Keep()
	if got := m.Swap(nil); !maps.Equal(got, map[string]int{"a": 1}) {
		t.Errorf("kept %v, want only a", got)
	}
	if got := m.Begin(0).Last; got != nil {
		t.Errorf("after Swap(nil) a recompute finds %v", got)
	}
}
