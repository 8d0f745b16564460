package coverage

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/scope"
	"netinventory.io/netinventory/internal/snapshot"
	"netinventory.io/netinventory/internal/synthetic"
)

// isolatedAfresh isolates a scope's pods with nothing kept from earlier
// recomputes, and puts back what was kept.
func isolatedAfresh(sc *scope.Scope) *isolation {
	lastIsolated.Lock()
	kept := lastIsolated.byNamespace
	lastIsolated.byNamespace = nil
	lastIsolated.Unlock()
	defer func() {
		lastIsolated.Lock()
		lastIsolated.byNamespace = kept
		lastIsolated.Unlock()
	}()
	return isolate(sc, compilePolicies(sc))
}

// isolationOf is what isolation hands the later phases.
func isolationOf(c *isolation) []any {
	return []any{c.pods, c.namespaces, c.apps, c.appNames, c.appRuns, c.selected, c.byNamespace, c.namespaceWide}
}

// A namespace whose pods, labels, policies and Cilium mode are those of the
// last recompute keeps its isolation; a change to any of them isolates it
// again (and only it, when the change is its own); each time the result is
// what isolating afresh gives.
func TestNamespacesAreIsolatedAgainOnlyWhenTheirInputsChange(t *testing.T) {
	snap := synthetic.Generate(synthetic.Shape{Namespaces: 8, Pods: 600, Policies: 150})
	spec := &v1alpha1.NetworkInventorySpec{}
	last := map[string]*isolatedNamespace{}
	recompute := func(name string, s *snapshot.Snapshot, changed func(ns string) bool) {
		t.Helper()
		sc := scopeOf(t, s, spec)
		got := isolate(sc, policiesOf(sc))
		if want := isolatedAfresh(sc); !reflect.DeepEqual(isolationOf(got), isolationOf(want)) {
			t.Errorf("%s: the isolation differs from isolating afresh", name)
		}
		lastIsolated.Lock()
		now := maps.Clone(lastIsolated.byNamespace)
		lastIsolated.Unlock()
		for ns, n := range now {
			if again := n != last[ns]; again != changed(ns) {
				t.Errorf("%s: namespace %s isolated again: %v, want %v", name, ns, again, changed(ns))
			}
		}
		last = now
	}
	all := func(string) bool { return true }
	none := func(string) bool { return false }
	only := func(want string) func(string) bool { return func(ns string) bool { return ns == want } }
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
	edit("a pod relabelled", only("ns-0000"), func(s *snapshot.Snapshot) {
		i := podsOf(s, "ns-0000")[0]
		p := *s.Pods[i]
		p.Labels = map[string]string{"app.kubernetes.io/name": "another"}
		s.Pods[i] = &p
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
