package coverage

import (
	"slices"
	"testing"
	"time"

	"github.com/cilium/cilium/pkg/policy/api"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/scope"
	"netinventory.io/netinventory/internal/snapshot"
	"netinventory.io/netinventory/internal/synthetic"
)

func scopeOf(t *testing.T, snap *snapshot.Snapshot, spec *v1alpha1.NetworkInventorySpec) *scope.Scope {
	t.Helper()
	sc, err := scope.New(snap, spec, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// catalogOf is what the compiled policies say, to compare compilations.
func catalogOf(p *compiledPolicies) []string {
	var out []string
	for _, e := range p.entries {
		out = append(out, e.Kind+"/"+e.Namespace+"/"+e.Name+" "+e.Selector+" "+e.Valid)
	}
	for _, pr := range p.problems {
		out = append(out, "problem "+p.entries[pr.entry].Name+" "+string(pr.reason))
	}
	for _, r := range p.rules {
		out = append(out, "rule "+p.entries[r.entry].Name+" "+r.selector.String())
	}
	return out
}

// A recompute whose policies are the objects of the last one reuses their
// compiled form, whatever order they are listed in; any other set of
// objects (a new version, one more, one less, one listed twice, another
// scope, another Cilium setting) is compiled again, and both give what
// compiling afresh gives.
func TestPoliciesAreCompiledAgainOnlyWhenTheirObjectsChange(t *testing.T) {
	snap := synthetic.Generate(synthetic.Shape{Namespaces: 8, Pods: 300, Policies: 120})
	spec := &v1alpha1.NetworkInventorySpec{}
	first := policiesOf(scopeOf(t, snap, spec))

	relisted := *snap
	relisted.NetworkPolicies = slices.Clone(snap.NetworkPolicies)
	slices.Reverse(relisted.NetworkPolicies)
	relisted.CiliumNetworkPolicies = slices.Clone(snap.CiliumNetworkPolicies)
	slices.Reverse(relisted.CiliumNetworkPolicies)
	if policiesOf(scopeOf(t, &relisted, spec)) != first {
		t.Error("the same objects listed in another order are not compiled again")
	}

	changed := func(name string, edit func(s *snapshot.Snapshot)) {
		t.Helper()
		s := *snap
		s.NetworkPolicies = slices.Clone(snap.NetworkPolicies)
		s.CiliumNetworkPolicies = slices.Clone(snap.CiliumNetworkPolicies)
		edit(&s)
		sc := scopeOf(t, &s, spec)
		got := policiesOf(sc)
		if got == first {
			t.Errorf("%s: the policies are compiled again", name)
		}
		if want := compilePolicies(sc); !slices.Equal(catalogOf(got), catalogOf(want)) {
			t.Errorf("%s: the compiled policies differ from compiling afresh", name)
		}
		if again := policiesOf(scopeOf(t, snap, spec)); again == first && !got.duplicates {
			t.Errorf("%s: back to the first objects, they are compiled again (one set is kept)", name)
		} else if again != first && got.duplicates {
			t.Errorf("%s: policies with duplicates are not kept in place of the others", name)
		}
		first = policiesOf(scopeOf(t, snap, spec))
	}
	changed("a new version", func(s *snapshot.Snapshot) {
		p := s.CiliumNetworkPolicies[0].DeepCopy()
		p.Spec.Egress = []api.EgressRule{{EgressCommonRule: api.EgressCommonRule{ToEntities: api.EntitySlice{api.EntityCluster}}}}
		s.CiliumNetworkPolicies[0] = p
	})
	changed("one more", func(s *snapshot.Snapshot) {
		p := s.NetworkPolicies[0].DeepCopy()
		p.Name = "another"
		s.NetworkPolicies = append(s.NetworkPolicies, p)
	})
	changed("one less", func(s *snapshot.Snapshot) { s.NetworkPolicies = s.NetworkPolicies[1:] })
	changed("one listed twice for another", func(s *snapshot.Snapshot) { s.NetworkPolicies[1] = s.NetworkPolicies[0] })
	changed("Cilium ignores enableDefaultDeny false", func(s *snapshot.Snapshot) { s.CiliumIgnoresDefaultDenyFalse = true })

	narrow := &v1alpha1.NetworkInventorySpec{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}}
	if got := policiesOf(scopeOf(t, snap, narrow)); got == first || len(got.entries) >= len(first.entries) {
		t.Error("another scope, other policies: compiled again")
	}
}

// Two objects of one kind with one namespace and name (two manifests):
// the catalog depends on the order they are read in, so it is never
// reused.
func TestDuplicatePoliciesAreAlwaysCompiled(t *testing.T) {
	snap := synthetic.Generate(synthetic.Shape{Namespaces: 3, Pods: 50, Policies: 10})
	twin := snap.NetworkPolicies[0].DeepCopy()
	twin.Spec.PolicyTypes = nil
	snap.NetworkPolicies = append(snap.NetworkPolicies, twin)
	sc := scopeOf(t, snap, &v1alpha1.NetworkInventorySpec{})
	if first := policiesOf(sc); !first.duplicates || policiesOf(sc) == first {
		t.Error("policies with duplicates are compiled each time")
	}
}
