package coverage

import (
	"errors"

	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/policy/api"
	"k8s.io/apimachinery/pkg/labels"
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
		if err := sanitized.get(r, "", func() error { return r.DeepCopy().Sanitize() }); err != nil {
			return err
		}
		if !clusterwide && r.NodeSelector.LabelSelector != nil {
			return errors.New("a namespaced policy's rule cannot have a nodeSelector")
		}
	}
	return nil
}

// Cilium rules are immutable source objects whose compiled forms are
// costly to rebuild on every recompute: each is kept per rule object.
// (NetworkPolicies are copied into each snapshot, so keyed by address they
// would only miss; they are compiled each time.)
var (
	// sanitized is Cilium's verdict on each rule: Sanitize rewrites the
	// rule, so it runs on a copy.
	sanitized = newWeakMemo[api.Rule, error]()
	// endpointSelectors are the compiled endpoint selectors, by selector.
	endpointSelectors = newWeakMemo[slimv1.LabelSelector, compiledSelector]()
	// ciliumItems are the compiled ingress and egress rules, by rule and
	// the namespace of its policy.
	ciliumItems = newWeakMemo[api.Rule, []ruleItem]()
)

type compiledSelector struct {
	selector labels.Selector
	err      error
}
