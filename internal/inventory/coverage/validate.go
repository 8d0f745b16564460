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
	forms := make([]*ciliumRuleForm, len(rules))
	for i, r := range rules {
		if r != nil {
			forms[i] = ruleForm(r, namespace)
		}
	}
	return rejection(forms)
}

// rejection is ciliumRejects for the forms of a policy's rules (nil for a
// nil rule).
func rejection(forms []*ciliumRuleForm) error {
	if len(forms) == 0 {
		return errors.New("the policy has neither spec nor specs")
	}
	for _, f := range forms {
		if f == nil {
			return errors.New("a rule is empty")
		}
		if f.rejected != nil {
			return f.rejected
		}
	}
	return nil
}
