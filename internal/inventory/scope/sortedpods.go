package scope

import (
	"slices"
	"sync"
	"unsafe"

	"netinventory.io/netinventory/internal/snapshot"
)

// sortedNamespace is a namespace's active pods sorted by name, with the
// pods' addresses in increasing order: what tells that a later recompute
// has the same pods. byName keeps the pods alive, so no other object can
// take one of their addresses while the entry is kept.
type sortedNamespace struct {
	byAddress []uint64
	byName    []*snapshot.Pod
}

// lastSorted is each namespace's sorted pods of the last recompute.
// Cached pods never change (a new version is a new object), so a
// namespace whose pods are the same objects has the same order: a
// recompute sorts only the namespaces whose pods changed. The lists are
// shared between recomputes: read-only. It holds one recompute's
// namespaces, no more.
var lastSorted struct {
	sync.Mutex
	byNamespace map[string]*sortedNamespace
}

// podSorter sorts the pods of one recompute's namespaces, reusing the
// last recompute's order where the pods are the same.
type podSorter struct {
	last, next map[string]*sortedNamespace
	keys       []podKey
}

func newPodSorter(namespaces int) *podSorter {
	lastSorted.Lock()
	defer lastSorted.Unlock()
	return &podSorter{last: lastSorted.byNamespace, next: make(map[string]*sortedNamespace, namespaces)}
}

// sorted returns a namespace's pods sorted by name: the list of the last
// recompute when they are the same objects, else pods, sorted.
func (s *podSorter) sorted(namespace string, pods []*snapshot.Pod) []*snapshot.Pod {
	n := len(pods)
	s.keys = slices.Grow(s.keys[:0], 2*n)[:2*n]
	keys := s.keys[:n]
	for i, p := range pods {
		keys[i] = podKey{prefix: uint64(uintptr(unsafe.Pointer(p))), pod: p}
	}
	keys = radixSort(keys, s.keys[n:])
	if last := s.last[namespace]; last != nil && len(last.byAddress) == n && sameAddresses(keys, last.byAddress) {
		s.next[namespace] = last
		return last.byName
	}
	pods = pods[:n:n] // shared: nothing may append into it
	entry := &sortedNamespace{byAddress: make([]uint64, n), byName: pods}
	for i, k := range keys {
		entry.byAddress[i] = k.prefix
	}
	s.keys = sortPodsByName(pods, s.keys)
	s.next[namespace] = entry
	return pods
}

func sameAddresses(keys []podKey, addresses []uint64) bool {
	for i, k := range keys {
		if k.prefix != addresses[i] {
			return false
		}
	}
	return true
}

// keep makes this recompute's namespaces the ones the next one compares
// with.
func (s *podSorter) keep() {
	lastSorted.Lock()
	lastSorted.byNamespace = s.next
	lastSorted.Unlock()
}
