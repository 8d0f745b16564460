package scope

import (
	"slices"
	"unsafe"

	"netinventory.io/netinventory/internal/inventory/memo"
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
// shared between recomputes: read-only.
var lastSorted memo.ByNamespace[*sortedNamespace]

// podSorter sorts the pods of one recompute's namespaces, reusing the
// last recompute's order where the pods are the same.
type podSorter struct {
	*memo.Use[*sortedNamespace]
	keys []podKey
	// tunnelPods are the pods that run a tunnel (runsTunnel), found while
	// grouping.
	tunnelPods []*snapshot.Pod
}

func newPodSorter() *podSorter { return &podSorter{Use: lastSorted.Begin(0)} }

// group returns the active pods of each namespace that has pods (none, for
// a namespace whose pods are all terminal), each list made as long as the
// namespace's last time, and keeps the pods that run a tunnel.
func (s *podSorter) group(pods []*snapshot.Pod) map[string][]*snapshot.Pod {
	var lists [][]*snapshot.Pod
	at := make(map[string]int, len(s.Last))
	for _, p := range pods {
		i, ok := at[p.Namespace]
		if !ok {
			i = len(lists)
			at[p.Namespace] = i
			var size int
			if last := s.Last[p.Namespace]; last != nil {
				size = len(last.byName)
			}
			lists = append(lists, make([]*snapshot.Pod, 0, size))
		}
		if !isActive(p) {
			continue
		}
		lists[i] = append(lists[i], p)
		if runsTunnel(p) {
			s.tunnelPods = append(s.tunnelPods, p)
		}
	}
	out := make(map[string][]*snapshot.Pod, len(at))
	for ns, i := range at {
		out[ns] = lists[i]
	}
	return out
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
	if last := s.Last[namespace]; last != nil && len(last.byAddress) == n && sameAddresses(keys, last.byAddress) {
		s.Next[namespace] = last
		return last.byName
	}
	pods = pods[:n:n] // shared: nothing may append into it
	entry := &sortedNamespace{byAddress: make([]uint64, n), byName: pods}
	for i, k := range keys {
		entry.byAddress[i] = k.prefix
	}
	s.keys = sortPodsByName(pods, s.keys)
	s.Next[namespace] = entry
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
