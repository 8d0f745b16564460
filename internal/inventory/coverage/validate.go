package coverage

import "errors"

// rejection is the error the Cilium agent refuses a policy with, as its
// parser checks each rule (a policy without rules, a rule without peers in
// any direction, invalid selectors, combinations it does not support, a
// nodeSelector in a namespaced policy), given the forms of the policy's
// rules (nil for a nil rule); nil when it accepts it.
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
