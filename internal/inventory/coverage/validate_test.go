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

// ciliumRejects is rejection for a policy's rules in a namespace ("" for a
// clusterwide one).
func ciliumRejects(rules []*api.Rule, namespace string) error {
	forms := make([]*ciliumRuleForm, len(rules))
	for i, r := range rules {
		if r != nil {
			forms[i] = ruleForm(r, namespace)
		}
	}
	return rejection(forms)
}

func TestCiliumRejectsAsItsParser(t *testing.T) {
	if err := ciliumRejects([]*api.Rule{rule(true)}, "ns"); err != nil {
		t.Errorf("a rule with an ingress peer is accepted: %v", err)
	}
	bad := rule(false)
	for range 2 { // the second answer comes from the memo
		if err := ciliumRejects([]*api.Rule{bad}, "ns"); err == nil {
			t.Error("a rule without any rules is rejected, as Cilium's Sanitize does")
		}
	}
	if bad.EnableDefaultDeny.Ingress != nil {
		t.Error("checking a rule does not change it")
	}
	host := rule(true)
	host.EndpointSelector = api.EndpointSelector{}
	host.NodeSelector = api.NewESFromK8sLabelSelector("", &slimv1.LabelSelector{})
	if err := ciliumRejects([]*api.Rule{host}, "ns"); err == nil {
		t.Error("a namespaced policy with a nodeSelector is rejected")
	}
	if err := ciliumRejects([]*api.Rule{host}, ""); err != nil {
		t.Errorf("a clusterwide host policy is accepted: %v", err)
	}
	if err := ciliumRejects(nil, ""); err == nil {
		t.Error("a policy without spec and specs is rejected")
	}
}

func TestWeakMemoComputesOnceAndForgetsRulesThatAreGone(t *testing.T) {
	m := newWeakMemo[api.Rule, []ruleItem]()
	kept := rule(true)
	calls := 0
	compile := func(r *api.Rule) func() []ruleItem {
		return func() []ruleItem { calls++; return compileItems(ruleSource{cilium: r}, "a") }
	}
	first := m.get(kept, "a", compile(kept))
	if len(first) != 1 || first[0].classes != peerWorld {
		t.Fatalf("an ingress rule from the world compiles to one item naming the world: %+v", first)
	}
	if again := m.get(kept, "a", compile(kept)); &again[0] != &first[0] || calls != 1 {
		t.Errorf("a rule's items are compiled once (%d compilations)", calls)
	}
	if m.get(kept, "b", compile(kept)); calls != 2 {
		t.Error("another variant (namespace) is compiled apart")
	}
	for i := range 3 * minPrune {
		r := rule(true) // nothing keeps the rule alive
		_ = m.get(r, "a", compile(r))
		if i == minPrune-3 {
			runtime.GC()
		}
	}
	if n := len(m.entries); n >= 3*minPrune {
		t.Errorf("entries of collected rules are pruned: %d kept", n)
	}
	runtime.KeepAlive(kept)
}
