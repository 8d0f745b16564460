package scope

import (
	"cmp"
	"encoding/binary"
	"slices"

	"netinventory.io/netinventory/internal/snapshot"
)

// podKey is a pod with the first eight bytes of its name as a big-endian
// number: comparing those numbers orders most names without reading
// either pod.
type podKey struct {
	prefix uint64
	pod    *snapshot.Pod
}

// sortPodsByName sorts pods by name, using buf (returned, grown) for
// their keys.
func sortPodsByName(pods []*snapshot.Pod, buf []podKey) []podKey {
	buf = slices.Grow(buf[:0], len(pods))
	for _, p := range pods {
		var first [8]byte
		copy(first[:], p.Name) // shorter names are padded with zeros, which sort first
		buf = append(buf, podKey{prefix: binary.BigEndian.Uint64(first[:]), pod: p})
	}
	slices.SortFunc(buf, func(a, b podKey) int {
		if a.prefix != b.prefix {
			return cmp.Compare(a.prefix, b.prefix)
		}
		return cmp.Compare(a.pod.Name, b.pod.Name)
	})
	for i := range buf {
		pods[i] = buf[i].pod
	}
	return buf
}
