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

// radixFrom is the number of pods from which they are sorted by radix:
// below, comparing costs less than counting.
const radixFrom = 256

// sortPodsByName sorts pods by name, using buf (returned, grown) for
// their keys.
func sortPodsByName(pods []*snapshot.Pod, buf []podKey) []podKey {
	n := len(pods)
	buf = slices.Grow(buf[:0], 2*n)[:2*n]
	keys := buf[:n]
	for i, p := range pods {
		var first [8]byte
		copy(first[:], p.Name) // shorter names are padded with zeros, which sort first
		keys[i] = podKey{prefix: binary.BigEndian.Uint64(first[:]), pod: p}
	}
	byName := func(a, b podKey) int { return cmp.Compare(a.pod.Name, b.pod.Name) }
	if n < radixFrom {
		slices.SortFunc(keys, func(a, b podKey) int { return cmp.Or(cmp.Compare(a.prefix, b.prefix), byName(a, b)) })
	} else {
		keys = radixSort(keys, buf[n:])
		// Keys with one prefix: ordered by their whole names.
		for start := 0; start < n; {
			end := start + 1
			for end < n && keys[end].prefix == keys[start].prefix {
				end++
			}
			if end-start > 1 {
				slices.SortFunc(keys[start:end], byName)
			}
			start = end
		}
	}
	for i := range keys {
		pods[i] = keys[i].pod
	}
	return buf
}

// radixSort sorts keys by prefix, a byte at a time from the last (a
// stable counting sort each), using tmp (as long as keys); it returns the
// sorted keys, in keys or in tmp. Bytes all keys share are skipped.
func radixSort(keys, tmp []podKey) []podKey {
	for shift := 0; shift < 64; shift += 8 {
		var count [256]int
		for _, k := range keys {
			count[byte(k.prefix>>shift)]++
		}
		if count[byte(keys[0].prefix>>shift)] == len(keys) {
			continue
		}
		at := 0
		for b, c := range count {
			count[b] = at
			at += c
		}
		for _, k := range keys {
			b := byte(k.prefix >> shift)
			tmp[count[b]] = k
			count[b]++
		}
		keys, tmp = tmp, keys
	}
	return keys
}
