package model

import (
	"fmt"
	"strings"
)

// FewKept is how many names a Few keeps: messages name the first three.
const FewKept = 3

// Few is the start of a list of names and how long the list is: what a
// message that names the first ones ("a, b, c and 7 more") needs, without
// holding every name.
type Few struct {
	// Names are the first FewKept names added.
	Names []string
	// Count is how many names were added.
	Count int
}

// Add counts a name, and keeps it while fewer than FewKept are kept.
func (f *Few) Add(name string) {
	if len(f.Names) < FewKept {
		f.Names = append(f.Names, name)
	}
	f.Count++
}

// Full reports whether the Few keeps no more names: what is added now is
// only counted, so a caller need not read the name.
func (f *Few) Full() bool { return len(f.Names) >= FewKept }

// String names the first names and says how many more there are.
func (f Few) String() string { return NameFirst(f.Names, f.Count, FewKept) }

// NameFirst names the first n of count names ("a, b, c and 7 more");
// names holds at least the first min(n, count) of them.
func NameFirst(names []string, count, n int) string {
	if count <= n {
		return strings.Join(names[:count], ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), count-n)
}
