package coverage

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/policy/api"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
)

// Policy kinds.
const (
	KindNetworkPolicy                  = "NetworkPolicy"
	KindCiliumNetworkPolicy            = "CiliumNetworkPolicy"
	KindCiliumClusterwideNetworkPolicy = "CiliumClusterwideNetworkPolicy"
)

// podPolicy is one pod-selecting rule of a policy, compiled: a
// NetworkPolicy, or one rule (spec or specs item) of a Cilium policy.
type podPolicy struct {
	// entry is the index of the policy's catalog entry.
	entry int
	// namespace the rule selects pods in; "" for clusterwide rules.
	namespace string
	selector  labels.Selector
	// cilium rules match identity labels, NetworkPolicies pod labels.
	cilium bool
	// namespaceWide is true for an empty selector.
	namespaceWide bool
	// deny is whether the rule puts selected pods into default deny, per
	// direction.
	deny model.PerDirection
	// items are the rule's ingress and egress rules, compiled.
	items []ruleItem
	// decides is, per direction, the peer classes the rule allows or
	// denies on every port: none of them falls to default deny.
	decides [2]peerSet
	// indexKey is a "key=value" every selected pod carries, "" if none.
	indexKey string
	// source is the rule the policy was compiled from, for the
	// reachability evaluator: a Cilium rule or a NetworkPolicy.
	source ruleSource
	// namespaceOnly is true for a Cilium selector that reads only labels
	// every pod of a namespace shares (namespace, namespace labels,
	// cluster): it is matched once per namespace, not once per pod.
	namespaceOnly bool
}

// namespaceLevel reports whether a Cilium selector reads only identity
// labels that are the same for every pod of a namespace.
func namespaceLevel(sel labels.Selector) bool {
	reqs, selectable := sel.Requirements()
	if !selectable || len(reqs) == 0 {
		return false
	}
	for _, r := range reqs {
		k := r.Key()
		if k != ciliumNamespaceLabel && k != ciliumClusterLabel && !strings.HasPrefix(k, ciliumNamespaceLabelPrefix) {
			return false
		}
	}
	return true
}

// policyProblem is a policy the engine could not apply.
type policyProblem struct {
	entry  int
	reason model.PolicyProblemReason
	detail string
}

// compiledPolicies holds the catalog entries and the compiled rules.
type compiledPolicies struct {
	entries  []v1alpha1.NetworkPolicyEntry
	rules    []podPolicy
	problems []policyProblem
	// ignoredKeys are the label keys the rules select by that Cilium
	// leaves out of identities: they match no pod.
	ignoredKeys map[string]bool
	// ignoreDefaultDenyFalse: Cilium ignores enableDefaultDeny: false.
	ignoreDefaultDenyFalse bool
	// buckets index the rules (indexRules).
	buckets map[string]*ruleBucket
	// flows is what the flow map reads of the rules.
	flows *flowRules
	// duplicates is true when two objects of a kind share a namespace and
	// a name (manifests can hold both): the catalog then depends on the
	// order they were read in.
	duplicates bool
}

// compilePolicies compiles the network policies in scope, and every
// clusterwide one, in catalog order (kind, namespace, name).
func compilePolicies(sc *scope.Scope) *compiledPolicies {
	c := &compiledPolicies{ignoreDefaultDenyFalse: sc.Snap.CiliumIgnoresDefaultDenyFalse}
	n := len(sc.Snap.CiliumNetworkPolicies) + len(sc.Snap.CiliumClusterwideNetworkPolicies) + len(sc.Snap.NetworkPolicies)
	c.entries, c.rules = make([]v1alpha1.NetworkPolicyEntry, 0, n), make([]podPolicy, 0, n)
	// Kinds in catalog order, each sorted by namespace and name.
	for _, p := range byNamespaceAndName(sc.Snap.CiliumClusterwideNetworkPolicies, &c.duplicates) {
		c.addCilium(KindCiliumClusterwideNetworkPolicy, "", p.Name, p.Spec, p.Specs, &p.Status)
	}
	for _, p := range byNamespaceAndName(scope.InScopeOf(sc, sc.Snap.CiliumNetworkPolicies), &c.duplicates) {
		c.addCilium(KindCiliumNetworkPolicy, p.Namespace, p.Name, p.Spec, p.Specs, &p.Status)
	}
	for _, p := range byNamespaceAndName(scope.InScopeOf(sc, sc.Snap.NetworkPolicies), &c.duplicates) {
		c.addNetworkPolicy(p)
	}
	c.ignoredKeys = map[string]bool{}
	for _, r := range c.rules {
		reqs, _ := r.selector.Requirements()
		for _, req := range reqs {
			if CiliumIgnoresLabel(req.Key()) {
				c.ignoredKeys[req.Key()] = true
			}
		}
	}
	c.buckets = indexRules(c.rules)
	c.flows = newFlowRules(c)
	return c
}

// byNamespaceAndName returns objects of one kind in catalog order (stable:
// duplicates read from manifests keep their order), and sets duplicates
// when two share a namespace and a name.
func byNamespaceAndName[T metav1.Object](objs []T, duplicates *bool) []T {
	type key struct {
		namespace, name string
		at              int
	}
	keys := make([]key, len(objs))
	for i, o := range objs {
		keys[i] = key{o.GetNamespace(), o.GetName(), i}
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name), cmp.Compare(a.at, b.at))
	})
	out := make([]T, len(objs))
	for i, k := range keys {
		out[i] = objs[k.at]
		if i > 0 && k.namespace == keys[i-1].namespace && k.name == keys[i-1].name {
			*duplicates = true
		}
	}
	return out
}

// ciliumValid is the policy's Valid condition: True, False or Unknown.
func ciliumValid(st *ciliumv2.CiliumNetworkPolicyStatus) string {
	for _, cond := range st.Conditions {
		if cond.Type == ciliumv2.PolicyConditionValid {
			return string(cond.Status)
		}
	}
	return string(metav1.ConditionUnknown)
}

func (c *compiledPolicies) addCilium(kind, namespace, name string, spec *api.Rule, specs api.Rules, st *ciliumv2.CiliumNetworkPolicyStatus) {
	e := v1alpha1.NetworkPolicyEntry{Kind: kind, Namespace: namespace, Name: name, Valid: ciliumValid(st)}
	idx, firstRule := len(c.entries), len(c.rules)
	var rules []*api.Rule
	if spec != nil {
		rules = append(rules, spec)
	}
	rules = append(rules, specs...)
	var types model.PerDirection
	var selectors []string
	var formsBuf [4]*ciliumRuleForm
	forms := formsBuf[:0]
	for _, r := range rules {
		if r == nil {
			forms = append(forms, nil)
			continue
		}
		if e.Description == "" {
			e.Description = r.Description
		}
		e.IngressRules += int32(len(r.Ingress))
		e.EgressRules += int32(len(r.Egress))
		e.IngressDenyRules += int32(len(r.IngressDeny))
		e.EgressDenyRules += int32(len(r.EgressDeny))
		for _, d := range []struct {
			name string
			v    *bool
		}{{"ingress", r.EnableDefaultDeny.Ingress}, {"egress", r.EnableDefaultDeny.Egress}} {
			if d.v != nil {
				e.EnableDefaultDeny = scope.JoinDistinct(e.EnableDefaultDeny, fmt.Sprintf("%s=%v", d.name, *d.v))
			}
		}
		form := ruleForm(r, namespace)
		forms = append(forms, form)
		selectors = append(selectors, form.selector)
		if form.host {
			e.HostPolicy = true // applies to nodes, not pods
			continue
		}
		if form.endpointsErr != nil {
			c.problems = append(c.problems, policyProblem{entry: idx, reason: model.PolicyInvalidSelector, detail: form.endpointsErr.Error()})
			continue
		}
		pp := podPolicy{entry: idx, namespace: namespace, selector: form.endpoints, cilium: true, namespaceWide: form.namespaceWide,
			source: ruleSource{cilium: r}, items: form.items, decides: form.decides, indexKey: form.indexKey, namespaceOnly: form.namespaceOnly}
		// A direction with rules (allow or deny) defaults to deny unless
		// enableDefaultDeny says false for it.
		// (unless Cilium runs with enable-non-default-deny-policies false,
		// which ignores it).
		optOut := func(b *bool) bool { return isFalse(b) && !c.ignoreDefaultDenyFalse }
		pp.deny[model.Ingress] = (len(r.Ingress) > 0 || len(r.IngressDeny) > 0) && !optOut(r.EnableDefaultDeny.Ingress)
		pp.deny[model.Egress] = (len(r.Egress) > 0 || len(r.EgressDeny) > 0) && !optOut(r.EnableDefaultDeny.Egress)
		for _, d := range model.Directions {
			types[d] = types[d] || pp.deny[d]
		}
		c.rules = append(c.rules, pp)
	}
	invalid := e.Valid == string(metav1.ConditionFalse)
	detail := ciliumInvalidMessage(st)
	if err := rejection(forms); err != nil && !invalid {
		invalid, detail = true, "Cilium rejects it: "+err.Error()
	}
	if invalid {
		// An invalid Cilium policy enforces nothing.
		c.problems = append(c.problems, policyProblem{entry: idx, reason: model.PolicyNotValid, detail: detail})
		c.rules = c.rules[:firstRule]
		types = model.PerDirection{}
	}
	e.Selector = joinSelectors(selectors)
	e.PolicyTypes = policyTypeNames(types)
	c.entries = append(c.entries, e)
}

// decidedOnEveryPort are, per direction, the peer classes rule items
// allow or deny without restricting ports.
func decidedOnEveryPort(items []ruleItem) [2]peerSet {
	var out [2]peerSet
	for _, it := range items {
		if len(it.ports) == 0 {
			out[it.direction] |= it.classes
		}
	}
	return out
}

func ciliumInvalidMessage(st *ciliumv2.CiliumNetworkPolicyStatus) string {
	for _, cond := range st.Conditions {
		if cond.Type == ciliumv2.PolicyConditionValid {
			return cond.Message
		}
	}
	return ""
}

func (c *compiledPolicies) addNetworkPolicy(p *networkingv1.NetworkPolicy) {
	idx := len(c.entries)
	form := networkPolicyForms.get(p, "", func() *networkPolicyForm { return compileNetworkPolicy(p) })
	e := form.entry
	if form.selectorErr != nil {
		c.problems = append(c.problems, policyProblem{entry: idx, reason: model.PolicyInvalidSelector, detail: form.selectorErr.Error()})
	} else {
		pp := form.rule
		pp.entry, pp.source = idx, ruleSource{networkPolicy: p}
		c.rules = append(c.rules, pp)
	}
	c.entries = append(c.entries, e)
}

// networkPolicyForm is what the engine reads of a NetworkPolicy, compiled
// once per object: its catalog entry and its rule (without entry index
// and source: nothing in a form may point to the object, which would keep
// it in the memo for ever).
type networkPolicyForm struct {
	entry       v1alpha1.NetworkPolicyEntry
	rule        podPolicy
	selectorErr error
}

// networkPolicyForms are the compiled NetworkPolicies, by object.
var networkPolicyForms = newWeakMemo[networkingv1.NetworkPolicy, *networkPolicyForm]()

func compileNetworkPolicy(p *networkingv1.NetworkPolicy) *networkPolicyForm {
	types := effectivePolicyTypes(p)
	f := &networkPolicyForm{entry: v1alpha1.NetworkPolicyEntry{Kind: KindNetworkPolicy, Namespace: p.Namespace, Name: p.Name,
		IngressRules: int32(len(p.Spec.Ingress)), EgressRules: int32(len(p.Spec.Egress)),
		PolicyTypes: policyTypeNames(types), Description: scope.PurposeOf(p)}}
	sel, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
	if err != nil {
		f.selectorErr = err
		return f
	}
	f.entry.Selector = sel.String()
	f.rule = podPolicy{namespace: p.Namespace, selector: sel, namespaceWide: sel.Empty(), deny: types,
		indexKey: indexKeyPlain(p.Spec.PodSelector.MatchLabels)}
	f.rule.items = compileItems(ruleSource{networkPolicy: p}, p.Namespace)
	f.rule.decides = decidedOnEveryPort(f.rule.items)
	return f
}

// effectivePolicyTypes are the directions a NetworkPolicy isolates, as
// Cilium enforces it: a direction with rules, Ingress when policyTypes
// names it or does not name Egress, Egress when policyTypes names it.
// Where the Kubernetes specification ignores rules of a direction that
// policyTypes leaves out, Cilium enforces them: the engine judges as the
// dataplane does.
func effectivePolicyTypes(p *networkingv1.NetworkPolicy) model.PerDirection {
	has := func(t networkingv1.PolicyType) bool { return slices.Contains(p.Spec.PolicyTypes, t) }
	return model.PerDirection{
		model.Ingress: len(p.Spec.Ingress) > 0 || has(networkingv1.PolicyTypeIngress) || !has(networkingv1.PolicyTypeEgress),
		model.Egress:  len(p.Spec.Egress) > 0 || has(networkingv1.PolicyTypeEgress),
	}
}

func policyTypeNames(types model.PerDirection) []string {
	var out []string
	if types[model.Ingress] {
		out = append(out, string(networkingv1.PolicyTypeIngress))
	}
	if types[model.Egress] {
		out = append(out, string(networkingv1.PolicyTypeEgress))
	}
	return out
}

func joinSelectors(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " | "
		}
		if x == "" {
			x = "(all)"
		}
		out += x
	}
	return out
}

// indexKeyPlain picks a key=value of matchLabels to index a policy by.
func indexKeyPlain(ml map[string]string) string {
	keys := make([]string, 0, len(ml))
	for k := range ml {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return ""
	}
	return keys[0] + "=" + ml[keys[0]]
}

// indexKeyCilium picks a key=value of a Cilium selector's matchLabels that
// is a plain pod label (not a namespace, service account or other derived
// identity label) to index by.
func indexKeyCilium(s *slimv1.LabelSelector) string {
	if s == nil {
		return ""
	}
	ml := map[string]string{}
	for k, v := range s.MatchLabels {
		key := podLabelKey(k)
		if key == nonPodSourceKey || key == ciliumNamespaceLabel || key == ciliumServiceAccountLabel ||
			key == ciliumPodServiceAccount || key == ciliumClusterLabel || strings.HasPrefix(key, ciliumNamespaceLabelPrefix) {
			continue
		}
		ml[key] = string(v)
	}
	return indexKeyPlain(ml)
}

func isFalse(b *bool) bool { return b != nil && !*b }
