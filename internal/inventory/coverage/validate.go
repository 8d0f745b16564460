package coverage

import (
	"errors"

	"github.com/cilium/cilium/pkg/policy/api"
)

// ciliumRejects is the error the Cilium agent refuses a policy in a
// namespace ("" for a clusterwide one) with, as its parser checks each
// rule (a policy without rules, a rule without peers in any direction,
// invalid selectors, combinations it does not support, a nodeSelector in a
// namespaced policy); nil when it accepts it.
func ciliumRejects(rules []*api.Rule, namespace string) error {
	if len(rules) == 0 {
		return errors.New("the policy has neither spec nor specs")
	}
	for _, r := range rules {
		if r == nil {
			return errors.New("a rule is empty")
		}
		if err := ruleForm(r, namespace).rejected; err != nil {
			return err
		}
	}
	return nil
}
