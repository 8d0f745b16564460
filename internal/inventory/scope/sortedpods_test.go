package scope

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
	"netinventory.io/netinventory/internal/synthetic"
)

// A namespace whose pods are the objects of the last recompute, listed in
// any order, keeps the last recompute's sorted list; a namespace with one
// pod more, one less or one new version is sorted again; every list is
// what sorting afresh gives.
func TestPodsAreSortedAgainOnlyWhereTheyChange(t *testing.T) {
	snap := synthetic.Generate(synthetic.Shape{Namespaces: 6, Pods: 900, Policies: 10})
	spec := &v1alpha1.NetworkInventorySpec{}
	r := rand.New(rand.NewPCG(3, 4))
	recompute := func(s *snapshot.Snapshot) *Scope {
		t.Helper()
		s.Pods = slices.Clone(s.Pods)
		r.Shuffle(len(s.Pods), func(i, j int) { s.Pods[i], s.Pods[j] = s.Pods[j], s.Pods[i] }) // as a cache lists them
		sc, err := New(s, spec, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for ns, pods := range sc.Pods {
			want := slices.Clone(pods)
			sortPodsByName(want, nil)
			if !slices.Equal(pods, want) {
				t.Errorf("%s: the pods are not sorted by name", ns)
			}
		}
		return sc
	}
	first := recompute(snap)
	changedOnly := func(name string, sc *Scope, changed string) {
		t.Helper()
		for ns, pods := range sc.Pods {
			same := &pods[0] == &first.Pods[ns][0]
			if same == (ns == changed) {
				t.Errorf("%s: namespace %s sorted again: %v, want %v", name, ns, !same, ns == changed)
			}
		}
		first = sc
	}
	changedOnly("the same pods, listed in another order", recompute(snap), "")

	in := func(ns string) []int {
		var out []int
		for i, p := range snap.Pods {
			if p.Namespace == ns {
				out = append(out, i)
			}
		}
		return out
	}
	edit := func(name, ns string, change func(s *snapshot.Snapshot, pods []int)) {
		t.Helper()
		s := *snap
		s.Pods = slices.Clone(snap.Pods)
		change(&s, in(ns))
		changedOnly(name, recompute(&s), ns)
		changedOnly(name+", back", recompute(snap), ns)
	}
	edit("a new version of a pod", "ns-0001", func(s *snapshot.Snapshot, pods []int) {
		p := *s.Pods[pods[3]]
		s.Pods[pods[3]] = &p
	})
	edit("one pod less", "ns-0000", func(s *snapshot.Snapshot, pods []int) { s.Pods = slices.Delete(s.Pods, pods[7], pods[7]+1) })
	edit("one pod more", "ns-0002", func(s *snapshot.Snapshot, pods []int) {
		p := *s.Pods[pods[0]]
		p.Name = "a-new-pod"
		s.Pods = append(s.Pods, &p)
	})
	edit("one pod for another", "ns-0003", func(s *snapshot.Snapshot, pods []int) { s.Pods[pods[0]] = s.Pods[pods[1]] })
	edit("a pod that stopped running", "ns-0004", func(s *snapshot.Snapshot, pods []int) {
		p := *s.Pods[pods[0]]
		p.Status.Phase = "Succeeded"
		s.Pods[pods[0]] = &p
	})
}
