package coverage

import (
	"runtime"
	"testing"

	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/policy/api"
)

func rule(ingress bool) *api.Rule {
	r := &api.Rule{EndpointSelector: api.NewESFromK8sLabelSelector("", &slimv1.LabelSelector{})}
	if ingress {
		r.Ingress = []api.IngressRule{{IngressCommonRule: api.IngressCommonRule{FromEntities: api.EntitySlice{api.EntityWorld}}}}
	}
	return r
}

func TestCiliumRejectsAsItsParser(t *testing.T) {
	if err := ciliumRejects([]*api.Rule{rule(true)}, false); err != nil {
		t.Errorf("a rule with an ingress peer is accepted: %v", err)
	}
	bad := rule(false)
	for range 2 { // the second answer comes from the memo
		if err := ciliumRejects([]*api.Rule{bad}, false); err == nil {
			t.Error("a rule without any rules is rejected, as Cilium's Sanitize does")
		}
	}
	if bad.EnableDefaultDeny.Ingress != nil {
		t.Error("checking a rule does not change it")
	}
	host := rule(true)
	host.EndpointSelector = api.EndpointSelector{}
	host.NodeSelector = api.NewESFromK8sLabelSelector("", &slimv1.LabelSelector{})
	if err := ciliumRejects([]*api.Rule{host}, false); err == nil {
		t.Error("a namespaced policy with a nodeSelector is rejected")
	}
	if err := ciliumRejects([]*api.Rule{host}, true); err != nil {
		t.Errorf("a clusterwide host policy is accepted: %v", err)
	}
	if err := ciliumRejects(nil, true); err == nil {
		t.Error("a policy without spec and specs is rejected")
	}
}

func TestRuleVerdictsForgetRulesThatAreGone(t *testing.T) {
	v := &ruleVerdicts{verdicts: map[weakRuleKey]error{}, pruneAt: minPrune}
	for range 3 * minPrune {
		_ = v.check(rule(true)) // nothing keeps the rule alive
		if len(v.verdicts) == minPrune-1 {
			runtime.GC()
		}
	}
	if n := len(v.verdicts); n >= 3*minPrune {
		t.Errorf("verdicts of collected rules are pruned: %d kept", n)
	}
}

func TestCompiledItemsForgetRulesThatAreGone(t *testing.T) {
	c := &itemCache{pruneAt: minPrune, cilium: map[itemKey[api.Rule]][]ruleItem{}}
	kept := rule(true)
	first := c.items(ruleSource{cilium: kept}, "a")
	if len(first) != 1 || first[0].classes != peerWorld {
		t.Fatalf("an ingress rule from the world compiles to one item naming the world: %+v", first)
	}
	if again := c.items(ruleSource{cilium: kept}, "a"); &again[0] != &first[0] {
		t.Error("a rule's items are compiled once")
	}
	for i := range 3 * minPrune {
		_ = c.items(ruleSource{cilium: rule(true)}, "a")
		if i == minPrune-2 {
			runtime.GC()
		}
	}
	if n := len(c.cilium); n >= 3*minPrune {
		t.Errorf("items of collected rules are pruned: %d kept", n)
	}
	runtime.KeepAlive(kept)
}
