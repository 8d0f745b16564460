package coverage

import (
	"errors"
	"sync"
	"weak"

	"github.com/cilium/cilium/pkg/policy/api"
)

// ciliumRejects is the error the Cilium agent refuses a policy with, as its
// parser checks each rule (a policy without rules, a rule without peers in
// any direction, invalid selectors, combinations it does not support, a
// nodeSelector in a namespaced policy); nil when it accepts it.
func ciliumRejects(rules []*api.Rule, clusterwide bool) error {
	if len(rules) == 0 {
		return errors.New("the policy has neither spec nor specs")
	}
	for _, r := range rules {
		if r == nil {
			return errors.New("a rule is empty")
		}
		if err := sanitized.check(r); err != nil {
			return err
		}
		if !clusterwide && r.NodeSelector.LabelSelector != nil {
			return errors.New("a namespaced policy's rule cannot have a nodeSelector")
		}
	}
	return nil
}

// sanitized remembers Cilium's verdict on each rule it has checked.
var sanitized = &ruleVerdicts{verdicts: map[weakRuleKey]error{}, pruneAt: minPrune}

const minPrune = 1024

// ruleVerdicts memoizes api.Rule.Sanitize per rule object. Sanitize
// rewrites the rule, so it runs on a copy, which costs allocations on every
// recompute; source objects are immutable (informer cache, loaded
// manifests), so a rule's verdict is kept as long as the rule lives. Keys
// are weak: a rule that is gone is forgotten at the next prune.
type ruleVerdicts struct {
	mu       sync.Mutex
	verdicts map[weakRuleKey]error
	pruneAt  int
}

func (v *ruleVerdicts) check(r *api.Rule) error {
	key := weak.Make(r)
	v.mu.Lock()
	err, ok := v.verdicts[key]
	v.mu.Unlock()
	if ok {
		return err
	}
	err = r.DeepCopy().Sanitize()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.verdicts[key] = err
	if len(v.verdicts) >= v.pruneAt {
		for k := range v.verdicts {
			if k.Value() == nil {
				delete(v.verdicts, k)
			}
		}
		v.pruneAt = max(minPrune, 2*len(v.verdicts))
	}
	return err
}

// weakRuleKey identifies a rule without keeping it alive.
type weakRuleKey = weak.Pointer[api.Rule]
