package coverage

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"weak"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/scope"
	"netinventory.io/netinventory/internal/snapshot"
	"netinventory.io/netinventory/internal/synthetic"
)

// computedAfresh runs the coverage phase with nothing kept from earlier
// recomputes, and puts back what was kept.
func computedAfresh(sc *scope.Scope) *Result {
	lastCompiled.Lock()
	lastFlows.Lock()
	from, pols, flowsFrom, flows := lastCompiled.from, lastCompiled.pols, lastFlows.from, lastFlows.flows
	lastCompiled.from, lastCompiled.pols, lastFlows.from, lastFlows.flows = nil, nil, nil, nil
	lastFlows.Unlock()
	lastCompiled.Unlock()
	isolated, subjects := lastIsolated.Swap(nil), lastSubjects.Swap(nil)
	defer func() {
		lastCompiled.Lock()
		lastFlows.Lock()
		lastCompiled.from, lastCompiled.pols, lastFlows.from, lastFlows.flows = from, pols, flowsFrom, flows
		lastFlows.Unlock()
		lastCompiled.Unlock()
		lastIsolated.Swap(isolated)
		lastSubjects.Swap(subjects)
	}()
	return Compute(sc, nil)
}

// resultOf is what the coverage phase hands the later phases.
func resultOf(r *Result) []any {
	return []any{r.Namespaces, r.NetworkPolicies, r.PodsByNamespace, r.PolicyProblems, r.Disagreements, r.Flows}
}

// A namespace whose pods, labels, policies and Cilium mode are those of the
// last recompute keeps its isolation; a change to any of them isolates it
// again (and only it, when the change is its own). The flows are derived
// again when any namespace is. Each time the result is what computing
// afresh gives.
func TestNamespacesAreIsolatedAgainOnlyWhenTheirInputsChange(t *testing.T) {
	snap := synthetic.Generate(synthetic.Shape{Namespaces: 8, Pods: 600, Policies: 150})
	// A policy whose peers are pods of every namespace: its flows follow
	// other namespaces' pods.
	snap.NetworkPolicies = append(snap.NetworkPolicies, &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns-0001", Name: "from-app-0-anywhere"},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "app-1"}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{
				NamespaceSelector: &metav1.LabelSelector{}, PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "app-0"}}}}}}}})
	spec := &v1alpha1.NetworkInventorySpec{}
	last := map[string]*isolatedNamespace{}
	recompute := func(name string, s *snapshot.Snapshot, changed func(ns string) bool) {
		t.Helper()
		sc := scopeOf(t, s, spec)
		lastFlows.Lock()
		flowsBefore := lastFlows.flows
		lastFlows.Unlock()
		got := Compute(sc, nil)
		if want := computedAfresh(sc); !reflect.DeepEqual(resultOf(got), resultOf(want)) {
			t.Errorf("%s: the coverage differs from computing afresh", name)
		}
		now := maps.Clone(lastIsolated.Begin(0).Last)
		anyAgain := false
		for ns, n := range now {
			again := n != last[ns]
			anyAgain = anyAgain || again
			if again != changed(ns) {
				t.Errorf("%s: namespace %s isolated again: %v, want %v", name, ns, again, changed(ns))
			}
		}
		lastFlows.Lock()
		flowsAgain := &lastFlows.flows[0] != &flowsBefore[0]
		lastFlows.Unlock()
		if flowsAgain != anyAgain {
			t.Errorf("%s: flows derived again: %v, want %v", name, flowsAgain, anyAgain)
		}
		last = now
	}
	all := func(string) bool { return true }
	none := func(string) bool { return false }
	only := func(want string) func(string) bool { return func(ns string) bool { return ns == want } }
	lastFlows.Lock()
	lastFlows.flows = []v1alpha1.FlowEntry{{}} // none before
	lastFlows.Unlock()
	recompute("first", snap, all)
	recompute("the same objects", snap, none)

	podsOf := func(s *snapshot.Snapshot, ns string) []int {
		var out []int
		for i, p := range s.Pods {
			if p.Namespace == ns {
				out = append(out, i)
			}
		}
		return out
	}
	edit := func(name string, changed func(string) bool, change func(s *snapshot.Snapshot)) {
		t.Helper()
		s := *snap
		s.Pods, s.Namespaces = slices.Clone(snap.Pods), slices.Clone(snap.Namespaces)
		s.NetworkPolicies = slices.Clone(snap.NetworkPolicies)
		change(&s)
		recompute(name, &s, changed)
		recompute(name+", back", snap, changed)
	}
	edit("a new version of a pod", only("ns-0001"), func(s *snapshot.Snapshot) {
		i := podsOf(s, "ns-0001")[2]
		p := *s.Pods[i]
		s.Pods[i] = &p
	})
	edit("a peer relabelled", only("ns-0000"), func(s *snapshot.Snapshot) {
		i := podsOf(s, "ns-0000")[0]
		p := *s.Pods[i]
		p.Labels = map[string]string{"app.kubernetes.io/name": "another"}
		s.Pods[i] = &p
	})
	edit("the pods a policy naming peers selects gone", only("ns-0001"), func(s *snapshot.Snapshot) {
		s.Pods = slices.DeleteFunc(s.Pods, func(p *snapshot.Pod) bool {
			return p.Namespace == "ns-0001" && p.Labels["app.kubernetes.io/name"] == "app-1"
		})
	})
	edit("a pod in host network", only("ns-0002"), func(s *snapshot.Snapshot) {
		i := podsOf(s, "ns-0002")[0]
		p := *s.Pods[i]
		p.Spec.HostNetwork = !p.Spec.HostNetwork
		s.Pods[i] = &p
	})
	edit("one pod less", only("ns-0000"), func(s *snapshot.Snapshot) {
		i := podsOf(s, "ns-0000")[4]
		s.Pods = slices.Delete(s.Pods, i, i+1)
	})
	edit("a namespace relabelled", only("ns-0003"), func(s *snapshot.Snapshot) {
		for i := range s.Namespaces {
			if s.Namespaces[i].Name == "ns-0003" {
				ns := s.Namespaces[i].DeepCopy()
				ns.Labels["team"] = "team-1" // what a clusterwide policy selects
				s.Namespaces[i] = *ns
			}
		}
	})
	edit("a namespace's labels, the same again in a new object", none, func(s *snapshot.Snapshot) {
		s.Namespaces[2] = *s.Namespaces[2].DeepCopy()
	})
	edit("one policy less", all, func(s *snapshot.Snapshot) { s.NetworkPolicies = s.NetworkPolicies[1:] })
	edit("Cilium enforces always", all, func(s *snapshot.Snapshot) { s.CiliumPolicyEnforcement = snapshot.EnforcementAlways })
	edit("a namespace without its object", only("ns-0004"), func(s *snapshot.Snapshot) {
		s.Namespaces = slices.DeleteFunc(s.Namespaces, func(ns corev1.Namespace) bool { return ns.Name == "ns-0004" })
	})
}

// The namespaces kept for the next recompute hold their own memory: once
// a namespace is isolated again, what it was before is freed (its pods
// and the lists their policies are in), though the other namespaces of
// the same recompute are kept.
func TestKeptNamespacesHoldOnlyTheirOwnMemory(t *testing.T) {
	snap := synthetic.Generate(synthetic.Shape{Namespaces: 6, Pods: 600, Policies: 100})
	spec := &v1alpha1.NetworkInventorySpec{}
	first := Compute(scopeOf(t, snap, spec), nil)
	changing := first.PodsByNamespace[0]
	var list *int32
	for _, pc := range changing.Pods {
		if len(pc.SelectedBy) > 0 {
			list = &pc.SelectedBy[0]
			break
		}
	}
	if changing.Namespace != "ns-0000" || list == nil {
		t.Fatalf("no pod of %s (ns-0000) is selected", changing.Namespace)
	}
	pods, lists := weak.Make(&changing.Pods[0]), weak.Make(list)
	first, changing.Pods, list = nil, nil, nil

	changed := *snap // a new version of a pod of ns-0000
	changed.Pods = slices.Clone(snap.Pods)
	p := *changed.Pods[0]
	changed.Pods[0] = &p
	if p.Namespace != "ns-0000" {
		t.Fatalf("the first pod is in %s", p.Namespace)
	}
	var last *Result
	for _, s := range []*snapshot.Snapshot{&changed, snap} {
		last = Compute(scopeOf(t, s, spec), nil)
	}
	runtime.GC()
	runtime.GC()
	if pods.Value() != nil {
		t.Error("a namespace's pods isolated before are kept alive")
	}
	if lists.Value() != nil {
		t.Error("the lists of selecting policies of a namespace's pods isolated before are kept alive")
	}
	runtime.KeepAlive(last)
}

// Random sequences of the changes a cluster goes through, each step
// computed with what the last step kept and compared with computing
// afresh.
func TestRandomChangesAgreeWithComputingAfresh(t *testing.T) {
	spec := &v1alpha1.NetworkInventorySpec{}
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 7))
		snap := synthetic.Generate(synthetic.Shape{Namespaces: 6, Pods: 400, Policies: 120})
		policies := snap.NetworkPolicies
		changes := []func(s *snapshot.Snapshot){
			func(s *snapshot.Snapshot) { // a pod's new version
				i := r.IntN(len(s.Pods))
				p := *s.Pods[i]
				s.Pods[i] = &p
			},
			func(s *snapshot.Snapshot) { // a pod relabelled as another app
				i := r.IntN(len(s.Pods))
				p := *s.Pods[i]
				p.Labels = maps.Clone(p.Labels)
				p.Labels["app.kubernetes.io/name"] = fmt.Sprintf("app-%d", r.IntN(8))
				s.Pods[i] = &p
			},
			func(s *snapshot.Snapshot) { // a pod gone
				i := r.IntN(len(s.Pods))
				s.Pods = slices.Delete(s.Pods, i, i+1)
			},
			func(s *snapshot.Snapshot) { // a pod more, in another namespace
				p := *s.Pods[r.IntN(len(s.Pods))]
				p.Name, p.Namespace = fmt.Sprintf("extra-%d", r.IntN(1000)), fmt.Sprintf("ns-%04d", r.IntN(6))
				s.Pods = append(s.Pods, &p)
			},
			func(s *snapshot.Snapshot) { // a pod on the host network, or off it
				i := r.IntN(len(s.Pods))
				p := *s.Pods[i]
				p.Spec.HostNetwork = !p.Spec.HostNetwork
				s.Pods[i] = &p
			},
			func(s *snapshot.Snapshot) { // a pod finished
				i := r.IntN(len(s.Pods))
				p := *s.Pods[i]
				p.Status.Phase = corev1.PodSucceeded
				s.Pods[i] = &p
			},
			func(s *snapshot.Snapshot) { // a namespace moved to another team
				i := r.IntN(len(s.Namespaces))
				ns := s.Namespaces[i].DeepCopy()
				ns.Labels["team"] = fmt.Sprintf("team-%d", r.IntN(3))
				s.Namespaces[i] = *ns
			},
			func(s *snapshot.Snapshot) { // a policy gone, or back
				if len(s.NetworkPolicies) < len(policies) {
					s.NetworkPolicies = slices.Clone(policies)
				} else {
					i := r.IntN(len(s.NetworkPolicies))
					s.NetworkPolicies = slices.Delete(slices.Clone(s.NetworkPolicies), i, i+1)
				}
			},
			func(s *snapshot.Snapshot) { // Cilium's enforcement mode
				s.CiliumPolicyEnforcement = []snapshot.PolicyEnforcement{snapshot.EnforcementDefault, snapshot.EnforcementAlways,
					snapshot.EnforcementNever}[r.IntN(3)]
			},
			func(*snapshot.Snapshot) {}, // nothing
		}
		for step := range 60 {
			next := *snap
			next.Pods, next.Namespaces = slices.Clone(snap.Pods), slices.Clone(snap.Namespaces)
			change := r.IntN(len(changes))
			changes[change](&next)
			snap = &next
			sc := scopeOf(t, snap, spec)
			if got, want := Compute(sc, nil), computedAfresh(sc); !reflect.DeepEqual(resultOf(got), resultOf(want)) {
				t.Fatalf("seed %d, step %d (change %d): the coverage differs from computing afresh", seed, step, change)
			}
		}
	}
}
