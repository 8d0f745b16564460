package rules

import (
	"fmt"
	"strings"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/snapshot"
)

// lower is one step less urgent, Low at the least.
func lower(p v1alpha1.Priority) v1alpha1.Priority {
	return v1alpha1.Priorities[min(p.Rank()+1, len(v1alpha1.Priorities)-1)]
}

func namespaceObject(name string) *v1alpha1.ObjectRef {
	return &v1alpha1.ObjectRef{Kind: "Namespace", Name: name}
}

// NamespaceWithoutPolicies: a namespace whose running pods no policy
// isolates in any direction, at the namespace's priority.
func NamespaceWithoutPolicies(m *model.Model) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	for _, ns := range m.Namespaces {
		if ns.Coverage != v1alpha1.CoverageNone {
			continue
		}
		subject := ns.Pods - ns.HostNetworkPods
		msg := fmt.Sprintf("namespace %s: %d pods with no network policies", ns.Name, subject)
		if ns.CiliumPolicies+ns.NetworkPolicies > 0 {
			msg = fmt.Sprintf("namespace %s: %d pods, and its %d policies select none of them", ns.Name, subject, ns.CiliumPolicies+ns.NetworkPolicies)
		}
		if ns.HostNetworkPods > 0 {
			msg += fmt.Sprintf(" (%d more on the host network, where pod policies do not apply)", ns.HostNetworkPods)
		}
		out = append(out, v1alpha1.Finding{Priority: ns.Priority, Subject: ns.Name, Object: namespaceObject(ns.Name),
			Message: msg + "; priority: " + ns.PriorityReason,
			Recommendation: "Add baseline policies: a namespace-wide default deny for ingress and egress, then allow DNS, " +
				"the kube-apiserver where needed, and the flows the workloads need."})
	}
	return out
}

// PodsNotIsolated: in a partly covered namespace, pods left open in a
// direction. One step below the namespace's priority.
func PodsNotIsolated(m *model.Model) []v1alpha1.Finding {
	open := map[string]*[2]model.Few{} // namespace -> pods open, per direction
	partial := map[string]bool{}
	for _, ns := range m.Namespaces {
		partial[ns.Name] = ns.Coverage == v1alpha1.CoveragePartial
	}
	for _, nsPods := range m.PodsByNamespace {
		if !partial[nsPods.Namespace] {
			continue
		}
		few := &[2]model.Few{}
		open[nsPods.Namespace] = few
		for _, p := range nsPods.Pods {
			for _, d := range model.Directions {
				if !p.HostNetwork && !p.Isolated[d] {
					if few[d].Full() {
						few[d].Count++ // not named: the pod is not read
					} else {
						few[d].Add(p.Pod.Name)
					}
				}
			}
		}
	}
	var out []v1alpha1.Finding
	for _, ns := range m.Namespaces {
		if ns.Coverage != v1alpha1.CoveragePartial {
			continue
		}
		subject := ns.Pods - ns.HostNetworkPods
		isolated := [2]int32{model.Ingress: ns.IsolatedIngress, model.Egress: ns.IsolatedEgress}
		for _, d := range model.Directions {
			if isolated[d] >= subject {
				continue
			}
			out = append(out, v1alpha1.Finding{Priority: lower(ns.Priority), Subject: ns.Name, Object: namespaceObject(ns.Name),
				Message: fmt.Sprintf("namespace %s: %d of %d pods not isolated for %s: %s", ns.Name, subject-isolated[d], subject,
					d, open[ns.Name][d].String()),
				Recommendation: fmt.Sprintf("Add %s rules (or a namespace-wide default deny) that select these pods.", d)})
		}
	}
	return out
}

// SelectedNotIsolated: pods that policies select without isolating them in
// any direction (enableDefaultDeny false, or rules that allow everything).
func SelectedNotIsolated(m *model.Model) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	for _, ns := range m.Namespaces {
		if ns.Coverage != v1alpha1.CoverageSelectedNotIsolated {
			continue // pods left open in a partly isolated namespace are PodsNotIsolated's
		}
		out = append(out, v1alpha1.Finding{Priority: ns.Priority, Subject: ns.Name, Object: namespaceObject(ns.Name),
			Message: fmt.Sprintf("namespace %s is not isolated: %d pods are selected by policies that isolate them in no direction "+
				"(enableDefaultDeny false, rules that allow all, or enforcement disabled); priority: %s", ns.Name, ns.SelectedNotIsolated, ns.PriorityReason),
			Recommendation: "Being selected is not being restricted: enable default deny for at least one direction, or narrow the allow-all rules."})
	}
	return out
}

// PolicySelectsNoPods: a policy whose selector matches no running pod.
// Namespace-wide policies (empty selectors) are a deliberate default for
// pods to come and are not reported; host policies select nodes.
func PolicySelectsNoPods(m *model.Model) []v1alpha1.Finding {
	invalid := map[v1alpha1.ObjectRef]bool{}
	for _, p := range m.PolicyProblems {
		invalid[p.Policy] = true
	}
	var out []v1alpha1.Finding
	for _, p := range m.NetworkPolicies {
		ref := v1alpha1.ObjectRef{Kind: p.Kind, Namespace: p.Namespace, Name: p.Name}
		if p.SelectedPods > 0 || p.HostPolicy || p.Selector == "" || invalid[ref] {
			continue
		}
		out = append(out, v1alpha1.Finding{Priority: v1alpha1.PriorityLow, Subject: policySubject(ref), Object: &ref,
			Message:        fmt.Sprintf("%s %s selects no running pod (%s)", p.Kind, policySubject(ref), p.Selector),
			Recommendation: "Check the selector against the pods' labels; delete the policy if what it protected is gone."})
	}
	return out
}

func policySubject(ref v1alpha1.ObjectRef) string {
	if ref.Namespace == "" {
		return ref.Name
	}
	return ref.Namespace + "/" + ref.Name
}

func policyProblems(m *model.Model, reason model.PolicyProblemReason, what, recommendation string) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	for _, p := range m.PolicyProblems {
		if p.Reason != reason {
			continue
		}
		ref := p.Policy
		out = append(out, v1alpha1.Finding{Priority: v1alpha1.PriorityHigh, Subject: policySubject(ref), Object: &ref,
			Message:        fmt.Sprintf("%s %s %s: %s; it enforces nothing", p.Policy.Kind, policySubject(ref), what, p.Detail),
			Recommendation: recommendation})
	}
	return out
}

// InvalidPolicySelector: a policy whose selector cannot be parsed.
func InvalidPolicySelector(m *model.Model) []v1alpha1.Finding {
	return policyProblems(m, model.PolicyInvalidSelector, "has an invalid selector", "Fix the selector (operators In, NotIn, Exists, DoesNotExist).")
}

// CiliumPolicyNotValid: a Cilium policy its agent reports as not Valid.
func CiliumPolicyNotValid(m *model.Model) []v1alpha1.Finding {
	return policyProblems(m, model.PolicyNotValid, "is not Valid", "Read status.conditions[Valid] and fix the policy; until then the pods it meant to protect are not.")
}

// PolicyKindsDisagree: a namespace with both Cilium and Kubernetes policies
// in which they select different pods, so each kind's view of the
// namespace is incomplete.
func PolicyKindsDisagree(m *model.Model) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	for _, d := range m.Disagreements {
		var parts []string
		if d.OnlyCilium.Count > 0 {
			parts = append(parts, "only Cilium policies select "+d.OnlyCilium.String())
		}
		if d.OnlyNetworkPolicy.Count > 0 {
			parts = append(parts, "only NetworkPolicies select "+d.OnlyNetworkPolicy.String())
		}
		out = append(out, v1alpha1.Finding{Priority: v1alpha1.PriorityLow, Subject: d.Namespace, Object: namespaceObject(d.Namespace),
			Message:        fmt.Sprintf("namespace %s: its CiliumNetworkPolicies and NetworkPolicies select different pods: %s", d.Namespace, strings.Join(parts, "; ")),
			Recommendation: "Keep CNP/NP pairs consistent, or keep one kind of policy per namespace."})
	}
	return out
}

// PolicyEnforcementDisabled: Cilium's enable-policy is never, so no policy
// (Cilium's or a Kubernetes NetworkPolicy, which Cilium enforces) isolates
// any pod, whatever the policies say.
func PolicyEnforcementDisabled(m *model.Model) []v1alpha1.Finding {
	if m.PolicyEnforcement != snapshot.EnforcementNever {
		return nil
	}
	return []v1alpha1.Finding{{Priority: v1alpha1.PriorityCritical, Subject: snapshot.CiliumConfigName,
		Object: &v1alpha1.ObjectRef{Kind: "ConfigMap", Name: snapshot.CiliumConfigName},
		Message: fmt.Sprintf("Cilium's enable-policy is never: no network policy is enforced on any pod (%d policies exist)",
			len(m.NetworkPolicies)),
		Recommendation: "Set enable-policy to default (or always) in the cilium-config ConfigMap and restart the Cilium agents."}}
}
