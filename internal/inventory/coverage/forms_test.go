package coverage

import (
	"runtime"
	"testing"
	"weak"

	"github.com/cilium/cilium/pkg/policy/api"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The compiled forms are kept by weak reference to their object: a form
// that pointed back to its object would keep every policy ever read.
func TestCompiledFormsDoNotKeepTheirObjects(t *testing.T) {
	np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "np"},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}}}}}
	rule := rule(true)
	npForm := networkPolicyForms.get(np, "", func() *networkPolicyForm { return compileNetworkPolicy(np) })
	if npForm.entry.Selector != "app=x" || len(npForm.rule.items) != 1 {
		t.Fatalf("the NetworkPolicy compiles: %+v", npForm)
	}
	if form := ruleForm(rule, "a"); len(form.items) != 1 || form.rejected != nil {
		t.Fatalf("the Cilium rule compiles: %+v", form)
	}
	npRef, ruleRef := weak.Make(np), weak.Make(rule)
	np, rule = nil, nil //nolint:ineffassign,wastedassign // drop the last references
	runtime.GC()
	if npRef.Value() != nil {
		t.Error("the NetworkPolicy's form keeps it alive")
	}
	if ruleRef.Value() != nil {
		t.Error("the Cilium rule's form keeps it alive")
	}
}

// A new version of an object is a new object (the cache never changes
// one): it is compiled afresh.
func TestANewVersionIsCompiledAfresh(t *testing.T) {
	r := rule(true)
	first := ruleForm(r, "a")
	next := r.DeepCopy()
	next.Ingress = nil
	next.Egress = []api.EgressRule{{EgressCommonRule: api.EgressCommonRule{ToEntities: api.EntitySlice{api.EntityWorld}}}}
	if second := ruleForm(next, "a"); second == first || second.items[0].direction == first.items[0].direction {
		t.Error("the changed rule is compiled, not read from the memo")
	}
	if ruleForm(r, "b") == first {
		t.Error("the same rule in another namespace is compiled apart")
	}
}
