package model

import (
	"fmt"
	"testing"
)

// A Few names what a full list would: the first three and how many more.
func TestFewNamesTheFirstAndCountsTheRest(t *testing.T) {
	for n, want := range map[int]string{0: "", 1: "p0", 3: "p0, p1, p2", 4: "p0, p1, p2 and 1 more", 1000: "p0, p1, p2 and 997 more"} {
		var f Few
		var all []string
		for i := range n {
			f.Add(fmt.Sprint("p", i))
			all = append(all, fmt.Sprint("p", i))
		}
		if got := f.String(); got != want || got != NameFirst(all, len(all), FewKept) || f.Count != n || len(f.Names) > FewKept {
			t.Errorf("%d names: %q (kept %d), want %q", n, got, len(f.Names), want)
		}
	}
}
