// Package memo keeps what one recompute of the engine derived per
// namespace for the next one: each recompute finds the last one's values
// and leaves its own, so a namespace whose inputs did not change is not
// derived again.
package memo

import "sync"

// ByNamespace keeps a value per namespace from one recompute to the next.
// It holds one recompute's namespaces, no more. Safe for concurrent use;
// the values are shared between recomputes and must not be changed.
type ByNamespace[V any] struct {
	mu   sync.Mutex
	last map[string]V
}

// Use is one recompute's use of a ByNamespace: the values of the last
// recompute (Last, read-only), and those of this one (Next, which Keep
// leaves for the next).
type Use[V any] struct {
	memo       *ByNamespace[V]
	Last, Next map[string]V
}

// Begin starts a recompute's use of the memo, for about so many
// namespaces.
func (m *ByNamespace[V]) Begin(namespaces int) *Use[V] {
	m.mu.Lock()
	defer m.mu.Unlock()
	return &Use[V]{memo: m, Last: m.last, Next: make(map[string]V, namespaces)}
}

// Swap replaces the values kept and returns those it replaces.
func (m *ByNamespace[V]) Swap(values map[string]V) map[string]V {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.last
	m.last = values
	return old
}

// Keep makes this recompute's values the ones the next one finds.
func (u *Use[V]) Keep() { u.memo.Swap(u.Next) }
