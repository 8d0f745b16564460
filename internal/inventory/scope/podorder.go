package scope

import (
	"cmp"
	"encoding/binary"
	"slices"

	"netinventory.io/netinventory/internal/snapshot"
)

// podKey is a pod with its name, and the name's first eight bytes as a
// big-endian number: comparing those numbers orders most names without
// reading either pod or name.
type podKey struct {
	prefix uint64
	name   string
	pod    *snapshot.Pod
}

// sortPodsByName sorts pods by name, using buf (returned, grown) for
// their keys.
func sortPodsByName(pods []*snapshot.Pod, buf []podKey) []podKey {
	buf = slices.Grow(buf[:0], len(pods))
	for _, p := range pods {
		var first [8]byte
		copy(first[:], p.Name) // shorter names are padded with zeros, which sort first
		buf = append(buf, podKey{prefix: binary.BigEndian.Uint64(first[:]), name: p.Name, pod: p})
	}
	slices.SortFunc(buf, func(a, b podKey) int {
		if a.prefix != b.prefix {
			return cmp.Compare(a.prefix, b.prefix)
		}
		return cmp.Compare(a.name, b.name)
	})
	for i := range buf {
		pods[i] = buf[i].pod
	}
	return buf
}
