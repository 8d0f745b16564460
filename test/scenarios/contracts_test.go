package scenarios

import (
	"testing"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/rules"
)

// contracts are the values of the engine's typed contracts that every one
// must be exercised by some scenario.
type contracts struct {
	// rules are the gap rules' names: each must be wanted as a finding.
	rules []string
	// coverage states, each wanted as a namespace's coverage.
	coverage []string
	// authentication modes, each wanted as an endpoint's mode.
	modes []string
	// routeReasons and policyReasons, each met in some scenario's model.
	routeReasons, policyReasons []string
}

// allContracts lists the contracts the scenarios must cover, from the
// engine's own exported lists: a new rule, state, mode or reason fails this
// test until a scenario exercises it.
func allContracts() contracts {
	var ruleNames []string
	for _, r := range rules.All {
		ruleNames = append(ruleNames, r.Name)
	}
	return contracts{
		rules:         ruleNames,
		coverage:      texts(v1alpha1.CoverageStates),
		modes:         texts(v1alpha1.AuthenticationModes),
		routeReasons:  texts(model.ProblemReasons),
		policyReasons: texts(model.PolicyProblemReasons),
	}
}

// texts renders a list of string-typed values.
func texts[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// TestScenarioContracts fails when a rule, a coverage state or an
// authentication mode is wanted by no (non-pending) scenario, or a route or
// policy problem reason comes out of no scenario's model: every contract
// the engine offers is proven by a scenario.
func TestScenarioContracts(t *testing.T) {
	c := allContracts()
	wanted := map[string]map[string]string{"rule": {}, "coverage": {}, "mode": {}}
	met := map[string]map[string]string{"route problem reason": {}, "policy problem reason": {}}
	for _, sc := range loadScenarios(t, ".") {
		for _, f := range listItems(sc.want["findings"]) {
			if f, ok := f.(map[string]any); ok && f["rule"] != nil {
				wanted["rule"][scalar(f["rule"])] = sc.name
			}
		}
		for _, n := range listItems(sc.want["namespaces"]) {
			if n, ok := n.(map[string]any); ok && n["coverage"] != nil {
				wanted["coverage"][scalar(n["coverage"])] = sc.name
			}
		}
		for _, e := range listItems(sc.want["endpoints"]) {
			if e, ok := e.(map[string]any); ok {
				if a, ok := e["authentication"].(map[string]any); ok && a["mode"] != nil {
					wanted["mode"][scalar(a["mode"])] = sc.name
				}
			}
		}
		_, res, err := runEngine(sc.input)
		if err != nil {
			t.Errorf("scenario %s: %v", sc.name, err)
			continue
		}
		for _, p := range res.Model.RouteProblems {
			met["route problem reason"][string(p.Reason)] = sc.name
		}
		for _, p := range res.Model.PolicyProblems {
			met["policy problem reason"][string(p.Reason)] = sc.name
		}
	}
	for _, chk := range []struct {
		what   string
		values []string
		seen   map[string]string
		where  string
	}{
		{"rule", c.rules, wanted["rule"], "findings.items[].rule of a want.yaml"},
		{"coverage state", c.coverage, wanted["coverage"], "namespaces.items[].coverage of a want.yaml"},
		{"authentication mode", c.modes, wanted["mode"], "endpoints.items[].authentication.mode of a want.yaml"},
		{"route problem reason", c.routeReasons, met["route problem reason"], "Model.RouteProblems of a scenario"},
		{"policy problem reason", c.policyReasons, met["policy problem reason"], "Model.PolicyProblems of a scenario"},
	} {
		for _, v := range chk.values {
			if _, ok := chk.seen[v]; !ok {
				t.Errorf("%s %q is in no %s: add a scenario that proves it", chk.what, v, chk.where)
			}
		}
	}
}
