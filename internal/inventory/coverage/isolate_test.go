package coverage

import (
	"fmt"
	"slices"
	"testing"
	"time"

	v2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/policy/api"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
	"netinventory.io/netinventory/internal/synthetic"
)

// The isolation decides what the namespace-level rules and empty
// selectors do once per namespace, and once per workload's replicas; it
// must give what matching every rule against every pod gives.
func TestIsolationAgreesWithMatchingEveryRuleAgainstEveryPod(t *testing.T) {
	snap := synthetic.Generate(synthetic.Shape{Namespaces: 12, Pods: 3_000, Policies: 400})
	es := func(ml map[string]slimv1.MatchLabelsValue) api.EndpointSelector {
		return api.NewESFromK8sLabelSelector("", &slimv1.LabelSelector{MatchLabels: ml})
	}
	// Clusterwide and namespaced empty selectors, a policy with a
	// namespace-level rule and a pod-level one, and a selector that tells
	// one replica from the others.
	snap.CiliumClusterwideNetworkPolicies = append(snap.CiliumClusterwideNetworkPolicies,
		&v2.CiliumClusterwideNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "everything"},
			Spec: &api.Rule{EndpointSelector: es(nil), Ingress: []api.IngressRule{{}}}},
		&v2.CiliumClusterwideNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "two-rules"},
			Specs: api.Rules{
				{EndpointSelector: es(map[string]slimv1.MatchLabelsValue{"io.cilium.k8s.namespace.labels.env": "prod"}), Egress: []api.EgressRule{{}}},
				{EndpointSelector: es(map[string]slimv1.MatchLabelsValue{"k8s:app.kubernetes.io/name": "app-1"}), Ingress: []api.IngressRule{{}}},
			}})
	// Namespace-level selectors the index finds by a required value (a
	// namespace's name, a label) and one it cannot (NotIn).
	nsSelector := func(name string, ls *slimv1.LabelSelector) *v2.CiliumClusterwideNetworkPolicy {
		return &v2.CiliumClusterwideNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: &api.Rule{EndpointSelector: api.NewESFromK8sLabelSelector("", ls), Ingress: []api.IngressRule{{}}}}
	}
	snap.CiliumClusterwideNetworkPolicies = append(snap.CiliumClusterwideNetworkPolicies,
		nsSelector("by-name", &slimv1.LabelSelector{MatchLabels: map[string]slimv1.MatchLabelsValue{"k8s:io.kubernetes.pod.namespace": "ns-0002"}}),
		nsSelector("by-name-in", &slimv1.LabelSelector{MatchExpressions: []slimv1.LabelSelectorRequirement{
			{Key: "io.kubernetes.pod.namespace", Operator: slimv1.LabelSelectorOpIn, Values: []string{"ns-0003"}}}}),
		nsSelector("not-staging", &slimv1.LabelSelector{MatchExpressions: []slimv1.LabelSelectorRequirement{
			{Key: "io.cilium.k8s.namespace.labels.env", Operator: slimv1.LabelSelectorOpNotIn, Values: []string{"staging"}}}}),
		nsSelector("dev-of-team-1", &slimv1.LabelSelector{MatchLabels: map[string]slimv1.MatchLabelsValue{
			"io.cilium.k8s.namespace.labels.env": "dev", "io.cilium.k8s.namespace.labels.team": "team-1"}}))
	snap.CiliumNetworkPolicies = append(snap.CiliumNetworkPolicies,
		&v2.CiliumNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "ns-0001", Name: "all-of-ns-0001"},
			Spec: &api.Rule{EndpointSelector: es(nil), Egress: []api.EgressRule{{}}}},
		&v2.CiliumNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "ns-0000", Name: "one-replica"},
			Spec: &api.Rule{EndpointSelector: es(map[string]slimv1.MatchLabelsValue{"k8s:pod-template-hash": slimv1.MatchLabelsValue(snap.Pods[1].Labels["pod-template-hash"])}),
				Ingress: []api.IngressRule{{}}}})
	sc, err := scope.New(snap, &v1alpha1.NetworkInventorySpec{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pols := compilePolicies(sc)
	iso := isolate(sc, pols)

	selected := make([]int32, len(pols.entries))
	byPod := map[string]model.PodCoverage{}
	for _, ns := range iso.namespaces {
		for _, pc := range ns.Pods {
			byPod[pc.Pod.Namespace+"/"+pc.Pod.Name] = pc
		}
	}
	checked := 0
	for _, pods := range sc.Pods {
		for _, p := range pods {
			got := byPod[p.Namespace+"/"+p.Name]
			if p.Spec.HostNetwork {
				if got.SelectedBy != nil || got.DefaultDeny.Any() {
					t.Errorf("%s/%s on the host network: %+v", p.Namespace, p.Name, got)
				}
				continue
			}
			identity := &ciliumIdentity{pod: p, namespace: sc.Namespaces[p.Namespace], ignored: pols.ignoredKeys}
			var want model.PodCoverage
			var decided [2]peerSet
			var entries []int32
			for _, r := range pols.rules {
				if r.namespace != "" && r.namespace != p.Namespace || !r.selector.Matches(identity) {
					continue
				}
				for _, d := range model.Directions {
					want.DefaultDeny[d] = want.DefaultDeny[d] || r.deny[d]
					decided[d] |= r.decides[d]
				}
				entries = append(entries, int32(r.entry))
			}
			decided[model.Ingress] |= peerHost
			for _, d := range model.Directions {
				want.Isolated[d] = want.DefaultDeny[d] && decided[d] != peerAll
			}
			slices.Sort(entries)
			entries = slices.Compact(entries)
			for _, e := range entries {
				selected[e]++
			}
			if got.DefaultDeny != want.DefaultDeny || got.Isolated != want.Isolated || !slices.Equal(got.SelectedBy, entries) {
				t.Errorf("%s/%s: deny %v isolated %v selected by %v; matching every rule: %v %v %v",
					p.Namespace, p.Name, got.DefaultDeny, got.Isolated, got.SelectedBy, want.DefaultDeny, want.Isolated, entries)
			}
			checked++
		}
	}
	for i, e := range pols.entries {
		if iso.selected[i] != selected[i] {
			t.Errorf("%s %s/%s selects %d pods; matching every rule: %d", e.Kind, e.Namespace, e.Name, iso.selected[i], selected[i])
		}
	}
	if checked < 2_500 {
		t.Fatalf("only %d pods checked", checked)
	}
	t.Log(fmt.Sprintf("%d pods, %d rules", checked, len(pols.rules)))
}

// The isolation names each pod's app for the flow map, reading the labels
// of a replica only when the selectors do not already tell its app; the
// names must be appOf's. Pods of a namespace whose selectors read app
// labels, and pods that carry none (named after themselves).
func TestIsolationNamesEachPodsApp(t *testing.T) {
	snap := synthetic.Generate(synthetic.Shape{Namespaces: 6, Pods: 2_000, Policies: 300})
	for i, p := range snap.Pods {
		switch i % 7 {
		case 0: // no app label at all: its own name
			p.Labels = map[string]string{"pod-template-hash": p.Labels["pod-template-hash"]}
		case 1: // named by a later app label than the selectors read
			p.Labels = map[string]string{"app": "other-" + p.Labels["app.kubernetes.io/name"], "pod-template-hash": "x"}
		}
	}
	sc, err := scope.New(snap, &v1alpha1.NetworkInventorySpec{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	iso := isolate(sc, compilePolicies(sc))
	checked := 0
	for _, r := range iso.records {
		for i, pc := range r.coverage {
			if pc.HostNetwork {
				continue
			}
			if got, want := r.appNames[r.apps[i]], appOf(pc.Pod); got != want {
				t.Fatalf("pod %s/%s: app %q, not %q", pc.Pod.Namespace, pc.Pod.Name, got, want)
			}
			checked++
		}
	}
	if checked < 1_500 {
		t.Errorf("only %d pods checked", checked)
	}
}
