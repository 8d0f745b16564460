package coverage

import (
	"sync"
	"weak"

	"github.com/cilium/cilium/pkg/policy/api"
)

// compiledItems remembers the compiled rule items of each Cilium rule.
// Compiling parses every peer selector; source objects are immutable
// (informer cache, loaded manifests), so a rule's items hold as long as
// the rule lives. Keys are weak: a rule that is gone is forgotten at the
// next prune. The items are shared and never modified.
var compiledItems = &itemCache{pruneAt: minPrune, cilium: map[itemKey[api.Rule]][]ruleItem{}}

// itemKey is a rule object, weakly, and the namespace it was compiled in.
type itemKey[T any] struct {
	rule      weak.Pointer[T]
	namespace string
}

type itemCache struct {
	mu      sync.Mutex
	cilium  map[itemKey[api.Rule]][]ruleItem
	pruneAt int
}

// items returns the compiled items of a rule source. NetworkPolicies are
// copied into each snapshot: keyed by address they would only miss, so
// they are compiled each time.
func (c *itemCache) items(src ruleSource, namespace string) []ruleItem {
	if src.cilium == nil {
		return compileItems(src, namespace)
	}
	key := itemKey[api.Rule]{weak.Make(src.cilium), namespace}
	c.mu.Lock()
	items, ok := c.cilium[key]
	c.mu.Unlock()
	if ok {
		return items
	}
	items = compileItems(src, namespace)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cilium[key] = items
	if len(c.cilium) >= c.pruneAt {
		for k := range c.cilium {
			if k.rule.Value() == nil {
				delete(c.cilium, k)
			}
		}
		c.pruneAt = max(minPrune, 2*len(c.cilium))
	}
	return items
}
