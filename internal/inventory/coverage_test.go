package inventory

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
)

// podYAML is a running pod in namespace ns with labels.
func podYAML(ns, name, labels string, hostNetwork bool) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: %s, labels: {%s}}
spec: {hostNetwork: %v, serviceAccountName: sa-%s, containers: [{name: c, image: i}]}
status: {phase: Running}`, name, ns, labels, hostNetwork, name)
}

func nsYAML(name, labels string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata: {name: %s, labels: {kubernetes.io/metadata.name: %s%s}}", name, name, labels)
}

func np(ns, name, body string) string {
	return fmt.Sprintf("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: %s, namespace: %s}\nspec:\n%s", name, ns, body)
}

func cnp(ns, name, body string) string {
	return fmt.Sprintf("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: %s, namespace: %s}\nspec:\n%s", name, ns, body)
}

func ccnp(name, body string) string {
	return fmt.Sprintf("apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: %s}\nspec:\n%s", name, body)
}

// isolation renders each pod's isolation: "ns/name:IE" with I for ingress
// and E for egress, "-" for neither, "host" for hostNetwork pods.
func isolation(res *Result) string {
	var out []string
	for p := range res.Model.Pods() {
		s := ""
		if p.Isolated[0] {
			s += "I"
		}
		if p.Isolated[1] {
			s += "E"
		}
		if s == "" {
			s = "-"
		}
		if p.HostNetwork {
			s = "host"
		}
		out = append(out, p.Pod.Namespace+"/"+p.Pod.Name+":"+s)
	}
	return strings.Join(out, " ")
}

func TestIsolationSemantics(t *testing.T) {
	base := []string{nsYAML("a", ", team: x"), nsYAML("b", ""), podYAML("a", "web", "app: web", false), podYAML("a", "db", "app: db", false),
		podYAML("b", "other", "app: web", false)}
	tests := []struct {
		name string
		docs []string
		want string
	}{
		{"no policy isolates nothing", nil, "a/db:- a/web:- b/other:-"},
		{"policyTypes omitted with only ingress rules isolates ingress only",
			[]string{np("a", "p", "  podSelector: {matchLabels: {app: web}}\n  ingress: [{from: [{podSelector: {}}]}]")},
			"a/db:- a/web:I b/other:-"},
		{"policyTypes omitted with egress rules isolates both",
			[]string{np("a", "p", "  podSelector: {matchLabels: {app: web}}\n  egress: [{to: [{podSelector: {}}]}]")},
			"a/db:- a/web:IE b/other:-"},
		{"explicit policyTypes Egress isolates egress only, whatever ingress says",
			[]string{np("a", "p", "  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]")},
			"a/db:E a/web:E b/other:-"},
		{"ingress: [{}] allows all: selected, not isolated",
			[]string{np("a", "p", "  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: [{}]")},
			"a/db:- a/web:- b/other:-"},
		{"an allow-all policy undoes another policy's isolation in that direction",
			[]string{np("a", "deny", "  podSelector: {}\n  policyTypes: [Ingress, Egress]"),
				np("a", "open", "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]\n  ingress: [{}]")},
			"a/db:IE a/web:E b/other:-"},
		{"a Cilium empty ingress rule is a default deny, not an allow-all",
			[]string{cnp("a", "c", "  endpointSelector: {}\n  ingress: [{}]")},
			"a/db:I a/web:I b/other:-"},
		{"Cilium: rules in one direction isolate that direction only",
			[]string{cnp("a", "c", "  endpointSelector: {matchLabels: {app: web}}\n  egress: [{toEntities: [world]}]")},
			"a/db:- a/web:E b/other:-"},
		{"Cilium: deny rules count as rules of their direction",
			[]string{cnp("a", "c", "  endpointSelector: {matchLabels: {app: web}}\n  ingressDeny: [{fromEntities: [world]}]")},
			"a/db:- a/web:I b/other:-"},
		{"Cilium: enableDefaultDeny false selects without isolating",
			[]string{cnp("a", "c", "  endpointSelector: {}\n  enableDefaultDeny: {ingress: false, egress: false}\n  ingress: [{fromEntities: [cluster]}]\n  egress: [{toEntities: [cluster]}]")},
			"a/db:- a/web:- b/other:-"},
		{"Cilium: fromEntities all on every port allows all",
			[]string{cnp("a", "deny", "  endpointSelector: {}\n  ingress: [{}]"), cnp("a", "open", "  endpointSelector: {}\n  ingress: [{fromEntities: [all]}]")},
			"a/db:- a/web:- b/other:-"},
		{"Cilium: the k8s: source prefix matches pod labels",
			[]string{cnp("a", "c", "  endpointSelector: {matchLabels: {k8s:app: web}}\n  ingress: [{}]")},
			"a/db:- a/web:I b/other:-"},
		{"Cilium: reserved: labels never match pods",
			[]string{cnp("a", "c", "  endpointSelector: {matchLabels: {reserved:host: \"\"}}\n  ingress: [{}]")},
			"a/db:- a/web:- b/other:-"},
		{"a CNP selects only in its namespace, even with an empty selector",
			[]string{cnp("b", "c", "  endpointSelector: {}\n  ingress: [{}]")},
			"a/db:- a/web:- b/other:I"},
		{"a CCNP with an empty selector selects every pod in the cluster",
			[]string{ccnp("c", "  endpointSelector: {}\n  egress: [{toEntities: [kube-apiserver]}]")},
			"a/db:E a/web:E b/other:E"},
		{"a CCNP selects by namespace identity label",
			[]string{ccnp("c", "  endpointSelector: {matchLabels: {io.kubernetes.pod.namespace: b}}\n  ingress: [{}]")},
			"a/db:- a/web:- b/other:I"},
		{"a CCNP selects by namespace labels",
			[]string{ccnp("c", "  endpointSelector: {matchLabels: {k8s:io.cilium.k8s.namespace.labels.team: x}}\n  ingress: [{}]")},
			"a/db:I a/web:I b/other:-"},
		{"a CCNP selects by service account",
			[]string{ccnp("c", "  endpointSelector: {matchLabels: {io.cilium.k8s.policy.serviceaccount: sa-db}}\n  ingress: [{}]")},
			"a/db:I a/web:- b/other:-"},
		{"a CCNP with a nodeSelector is a host policy, not a pod policy",
			[]string{ccnp("host", "  nodeSelector: {}\n  ingress: [{fromEntities: [cluster]}]")},
			"a/db:- a/web:- b/other:-"},
		{"an invalid CNP enforces nothing",
			[]string{cnp("a", "c", "  endpointSelector: {}\n  ingress: [{}]") + `
status: {conditions: [{type: Valid, status: "False", message: "bad rule"}]}`},
			"a/db:- a/web:- b/other:-"},
		{"an invalid selector enforces nothing, and does not panic",
			[]string{np("a", "p", "  podSelector: {matchExpressions: [{key: app, operator: Near, values: [web]}]}\n  policyTypes: [Ingress]")},
			"a/db:- a/web:- b/other:-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compute(t, nil, append(append([]string{}, base...), tt.docs...)...)
			if got := isolation(res); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestCiliumCatalogEntry(t *testing.T) {
	res := compute(t, nil, cnp("a", "c", "  description: lax\n  endpointSelector: {matchLabels: {app: web}}\n"+
		"  enableDefaultDeny: {ingress: false, egress: false}\n  ingress: [{fromEntities: [cluster]}]\n  ingressDeny: [{fromEntities: [world]}]"),
		podYAML("a", "web", "app: web", false))
	e := res.Status.NetworkPolicies.Items[0]
	if e.EnableDefaultDeny != "ingress=false, egress=false" || e.Description != "lax" || e.IngressRules != 1 || e.IngressDenyRules != 1 ||
		len(e.PolicyTypes) != 0 || e.SelectedPods != 1 || e.Selector != "app=web" {
		t.Errorf("catalog entry: %+v", e)
	}
}

func TestHostNetworkPodsCountApart(t *testing.T) {
	res := compute(t, nil, nsYAML("kube-system", ""), podYAML("kube-system", "agent", "app: cilium", true),
		podYAML("kube-system", "dns", "app: dns", false), cnp("kube-system", "all", "  endpointSelector: {}\n  ingress: [{}]\n  egress: [{}]"))
	ns := res.Status.Namespaces.Items[0]
	if ns.Pods != 2 || ns.HostNetworkPods != 1 || ns.IsolatedIngress != 1 || ns.IsolatedEgress != 1 || ns.Coverage != v1alpha1.CoverageCovered {
		t.Errorf("a hostNetwork pod is neither covered nor uncovered: %+v", ns)
	}
	res = compute(t, nil, nsYAML("kube-system", ""), podYAML("kube-system", "agent", "app: cilium", true))
	if c := res.Status.Namespaces.Items[0].Coverage; c != v1alpha1.CoverageHostNetworkOnly {
		t.Errorf("only hostNetwork pods: %s", c)
	}
	if res.Status.Summary.NotIsolatedNamespaces != 0 {
		t.Errorf("a namespace of hostNetwork pods is not uncovered")
	}
}

func TestCoverageStates(t *testing.T) {
	tests := []struct {
		name string
		docs []string
		want v1alpha1.CoverageState
	}{
		{"none", []string{podYAML("a", "p", "app: x", false)}, v1alpha1.CoverageNone},
		{"covered", []string{podYAML("a", "p", "app: x", false), np("a", "d", "  podSelector: {}\n  policyTypes: [Ingress, Egress]")}, v1alpha1.CoverageCovered},
		{"partial by direction", []string{podYAML("a", "p", "app: x", false), np("a", "d", "  podSelector: {}\n  policyTypes: [Ingress]")}, v1alpha1.CoveragePartial},
		{"partial by pods", []string{podYAML("a", "p", "app: x", false), podYAML("a", "q", "app: other", false),
			np("a", "d", "  podSelector: {matchLabels: {app: x}}\n  policyTypes: [Ingress, Egress]")}, v1alpha1.CoveragePartial},
		{"selected, not isolated", []string{podYAML("a", "p", "app: x", false),
			cnp("a", "c", "  endpointSelector: {}\n  enableDefaultDeny: {ingress: false, egress: false}\n  ingress: [{fromEntities: [cluster]}]")},
			v1alpha1.CoverageSelectedNotIsolated},
		{"default deny, no pods", []string{nsYAML("a", ""), np("a", "d", "  podSelector: {}\n  policyTypes: [Ingress, Egress]")}, v1alpha1.CoverageDefaultDeny},
		{"empty", []string{nsYAML("a", "")}, v1alpha1.CoverageEmpty},
	}
	for _, tt := range tests {
		res := compute(t, nil, tt.docs...)
		if got := res.Status.Namespaces.Items[0].Coverage; got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestNamespacePriorities(t *testing.T) {
	var docs []string
	for i := range 20 {
		docs = append(docs, podYAML("big", fmt.Sprintf("p%d", i), "app: x", false))
	}
	docs = append(docs, podYAML("small", "p", "app: x", false), podYAML("kube-system", "dns", "app: dns", false),
		podYAML("classed", "p", "app: x", false), nsYAML("labelled", ", tier: crown"), podYAML("labelled", "p", "app: x", false),
		gateway("All"), appNamespace, appService, httpRoute("app", "r", ""), podYAML("app", "web", "app: web", false))
	spec := &v1alpha1.NetworkInventorySpec{Priorities: v1alpha1.PrioritySpec{Namespaces: []v1alpha1.NamespacePriority{
		{Priority: v1alpha1.PriorityLow, Names: []string{"classed"}, Reason: "sandbox"},
		{Priority: v1alpha1.PriorityCritical, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "crown"}}},
	}}}
	res := compute(t, spec, docs...)
	want := map[string]v1alpha1.Priority{"big": v1alpha1.PriorityHigh, "small": v1alpha1.PriorityMedium, "kube-system": v1alpha1.PriorityLow,
		"classed": v1alpha1.PriorityLow, "labelled": v1alpha1.PriorityCritical, "app": v1alpha1.PriorityHigh}
	for _, ns := range res.Status.Namespaces.Items {
		if w, ok := want[ns.Name]; ok && ns.Priority != w {
			t.Errorf("%s: %s (%s), want %s", ns.Name, ns.Priority, ns.PriorityReason, w)
		}
	}
}

// replicaYAML is a running pod of workload app with its own labels and
// service account sa.
func replicaYAML(ns, name, sa, labels string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: %s, labels: {%s}}
spec: {serviceAccountName: %s, containers: [{name: c, image: i}]}
status: {phase: Running}`, name, ns, labels, sa)
}

// Replicas next to each other in name order share their evaluation only
// when no selector can tell them apart.
func TestReplicasAreToldApartByWhatSelectorsRead(t *testing.T) {
	pods := []string{nsYAML("a", ""),
		replicaYAML("a", "web-0", "web", "app: web, pod-template-hash: h1"),
		replicaYAML("a", "web-1", "web", "app: web, pod-template-hash: h2, role: canary"),
		replicaYAML("a", "web-2", "web", "app: web, pod-template-hash: h3"),
		replicaYAML("a", "web-3", "other", "app: web, pod-template-hash: h4"),
		replicaYAML("a", "web-4", "other", "app: web, pod-template-hash: h5, track: x"),
	}
	tests := []struct {
		name string
		docs []string
		want string
	}{
		{"a label one replica adds",
			[]string{np("a", "canary", "  podSelector: {matchLabels: {role: canary}}\n  policyTypes: [Ingress]")},
			"a/web-0:- a/web-1:I a/web-2:- a/web-3:- a/web-4:-"},
		{"a label one replica lacks",
			[]string{np("a", "not-canary", "  podSelector: {matchExpressions: [{key: role, operator: DoesNotExist}]}\n  policyTypes: [Ingress]")},
			"a/web-0:I a/web-1:- a/web-2:I a/web-3:I a/web-4:I"},
		{"a service account",
			[]string{cnp("a", "by-sa", "  endpointSelector: {matchLabels: {io.cilium.k8s.policy.serviceaccount: other}}\n  ingress: [{}]")},
			"a/web-0:- a/web-1:- a/web-2:- a/web-3:I a/web-4:I"},
		{"a label one replica adds, among more keys than the pods have labels",
			[]string{np("a", "many", "  podSelector: {matchExpressions: [{key: k1, operator: DoesNotExist}, {key: k2, operator: DoesNotExist},"+
				" {key: k3, operator: DoesNotExist}, {key: k4, operator: DoesNotExist}, {key: k5, operator: DoesNotExist},"+
				" {key: k6, operator: DoesNotExist}, {key: k7, operator: DoesNotExist}, {key: role, operator: In, values: [canary]}]}\n  policyTypes: [Ingress]")},
			"a/web-0:- a/web-1:I a/web-2:- a/web-3:- a/web-4:-"},
		{"a label's presence",
			[]string{np("a", "tracked", "  podSelector: {matchExpressions: [{key: track, operator: Exists}]}\n  policyTypes: [Egress]")},
			"a/web-0:- a/web-1:- a/web-2:- a/web-3:- a/web-4:E"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compute(t, nil, append(append([]string{}, pods...), tt.docs...)...)
			if got := isolation(res); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if n := res.Status.NetworkPolicies.Items[0].SelectedPods; int(n) != strings.Count(tt.want, ":I")+strings.Count(tt.want, ":E") {
				t.Errorf("the policy counts %d selected pods", n)
			}
		})
	}
	// Replicas that differ only in labels no selector reads share one
	// evaluation, down to the list of policies selecting them.
	res := compute(t, nil, append(pods, np("a", "web", "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]"))...)
	p := slices.Collect(res.Model.Pods())
	if len(p) != 5 || len(p[0].SelectedBy) != 1 || &p[0].SelectedBy[0] != &p[2].SelectedBy[0] {
		t.Errorf("replicas web-0 and web-2 do not share their selection: %+v", p)
	}
	if n := res.Status.NetworkPolicies.Items[0].SelectedPods; n != 5 {
		t.Errorf("the policy counts %d selected pods, want 5", n)
	}
}

// A Cilium policy's rules each select their own pods: a pod gets the flows
// of the rules that select it, not those of its policy's other rules.
func TestFlowsComeFromTheRulesThatSelectThePod(t *testing.T) {
	res := compute(t, nil, nsYAML("a", ""), nsYAML("b", ""),
		podYAML("a", "web", "app: web", false), podYAML("b", "web", "app: web", false), `apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: mixed}
specs:
- endpointSelector: {matchLabels: {io.kubernetes.pod.namespace: a}}
  ingress: [{fromEntities: [world]}]
- endpointSelector: {matchLabels: {app: web}}
  ingress: [{fromEntities: [cluster]}]`)
	var got []string
	for _, f := range res.Status.Flows.Items {
		got = append(got, f.From+" -> "+f.To)
	}
	want := "entity:cluster -> a/web, entity:cluster -> b/web, entity:world -> a/web"
	if strings.Join(got, ", ") != want {
		t.Errorf("flows: %s\nwant   %s", strings.Join(got, ", "), want)
	}
}
