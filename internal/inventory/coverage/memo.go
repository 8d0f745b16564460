package coverage

import (
	"sync"
	"weak"
)

// minPrune is the size from which a memo drops the entries of objects
// that are gone.
const minPrune = 1024

// weakMemo remembers a value computed from an immutable source object (a
// rule in the informer cache or in loaded manifests) and a variant string,
// as long as the object lives. Keys are weak: entries of collected objects
// are dropped when the memo has doubled since the last prune. Values are
// shared and never modified. Safe for concurrent use.
type weakMemo[K, V any] struct {
	mu      sync.Mutex
	entries map[memoKey[K]]V
	pruneAt int
}

type memoKey[K any] struct {
	object  weak.Pointer[K]
	variant string
}

func newWeakMemo[K, V any]() *weakMemo[K, V] {
	return &weakMemo[K, V]{entries: map[memoKey[K]]V{}, pruneAt: minPrune}
}

// get returns the value for an object and variant, computing it once.
func (m *weakMemo[K, V]) get(object *K, variant string, compute func() V) V {
	key := memoKey[K]{weak.Make(object), variant}
	m.mu.Lock()
	v, ok := m.entries[key]
	m.mu.Unlock()
	if ok {
		return v
	}
	v = compute()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[key] = v
	if len(m.entries) >= m.pruneAt {
		for k := range m.entries {
			if k.object.Value() == nil {
				delete(m.entries, k)
			}
		}
		m.pruneAt = max(minPrune, 2*len(m.entries))
	}
	return v
}
