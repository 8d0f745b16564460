package coverage

import (
	"sync"
	"weak"

	"github.com/cilium/cilium/pkg/policy/api"
	networkingv1 "k8s.io/api/networking/v1"
)

// compiledItems remembers the compiled rule items of each rule object.
// Compiling parses every peer selector; source objects are immutable
// (informer cache, loaded manifests), so a rule's items hold as long as
// the rule lives. Keys are weak: a rule that is gone is forgotten at the
// next prune. The items are shared and never modified.
var compiledItems = &itemCache{pruneAt: minPrune,
	cilium: map[itemKey[api.Rule]][]ruleItem{}, networkPolicy: map[itemKey[networkingv1.NetworkPolicy]][]ruleItem{}}

// itemKey is a rule object, weakly, and the namespace it was compiled in.
type itemKey[T any] struct {
	rule      weak.Pointer[T]
	namespace string
}

type itemCache struct {
	mu            sync.Mutex
	cilium        map[itemKey[api.Rule]][]ruleItem
	networkPolicy map[itemKey[networkingv1.NetworkPolicy]][]ruleItem
	pruneAt       int
}

// items returns the compiled items of a rule source.
func (c *itemCache) items(src ruleSource, namespace string) []ruleItem {
	c.mu.Lock()
	var items []ruleItem
	var ok bool
	if src.cilium != nil {
		items, ok = c.cilium[itemKey[api.Rule]{weak.Make(src.cilium), namespace}]
	} else {
		items, ok = c.networkPolicy[itemKey[networkingv1.NetworkPolicy]{weak.Make(src.networkPolicy), namespace}]
	}
	c.mu.Unlock()
	if ok {
		return items
	}
	items = compileItems(src, namespace)
	c.mu.Lock()
	defer c.mu.Unlock()
	if src.cilium != nil {
		c.cilium[itemKey[api.Rule]{weak.Make(src.cilium), namespace}] = items
	} else {
		c.networkPolicy[itemKey[networkingv1.NetworkPolicy]{weak.Make(src.networkPolicy), namespace}] = items
	}
	if len(c.cilium)+len(c.networkPolicy) >= c.pruneAt {
		for k := range c.cilium {
			if k.rule.Value() == nil {
				delete(c.cilium, k)
			}
		}
		for k := range c.networkPolicy {
			if k.rule.Value() == nil {
				delete(c.networkPolicy, k)
			}
		}
		c.pruneAt = max(minPrune, 2*(len(c.cilium)+len(c.networkPolicy)))
	}
	return items
}
