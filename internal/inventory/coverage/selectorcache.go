package coverage

import (
	"sync"
	"weak"

	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// compiledSelectors remembers the endpoint selector of each Cilium rule:
// parsing a selector rebuilds its requirements on every recompute, and
// source objects are immutable, so a selector holds as long as its rule
// lives (a Cilium policy's rules are pointers the snapshot shares with the
// informer cache, stable until the object changes; NetworkPolicies are
// copied into each snapshot, so keying them by address would only miss).
// Keys are weak and pruned as the other memos are. Selectors are immutable
// and shared.
var compiledSelectors = &selectorCache{pruneAt: minPrune, cilium: map[weak.Pointer[slimv1.LabelSelector]]compiledSelector{}}

type compiledSelector struct {
	selector labels.Selector
	err      error
}

type selectorCache struct {
	mu      sync.Mutex
	cilium  map[weak.Pointer[slimv1.LabelSelector]]compiledSelector
	pruneAt int
}

// ciliumEndpoints returns the compiled endpoint selector of a Cilium rule.
func (c *selectorCache) ciliumEndpoints(s *slimv1.LabelSelector) (labels.Selector, error) {
	if s == nil {
		return ciliumSelector(nil)
	}
	return memo(c, c.cilium, weak.Make(s), func() (labels.Selector, error) { return ciliumSelector(s) })
}

func memo[T any](c *selectorCache, m map[weak.Pointer[T]]compiledSelector, key weak.Pointer[T], compile func() (labels.Selector, error)) (labels.Selector, error) {
	c.mu.Lock()
	got, ok := m[key]
	c.mu.Unlock()
	if ok {
		return got.selector, got.err
	}
	sel, err := compile()
	c.mu.Lock()
	defer c.mu.Unlock()
	m[key] = compiledSelector{sel, err}
	if len(m) >= c.pruneAt {
		prune(m)
		c.pruneAt = max(minPrune, 2*len(m))
	}
	return sel, err
}

func prune[T any, V any](m map[weak.Pointer[T]]V) {
	for k := range m {
		if k.Value() == nil {
			delete(m, k)
		}
	}
}
