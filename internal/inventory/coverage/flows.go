package coverage

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/policy/api"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
)

// appLabels are the labels that name an application, in order of
// preference, when naming the pods a selector picks.
var appLabels = []string{"app.kubernetes.io/name", "app", "k8s-app", "cnpg.io/cluster", "app.kubernetes.io/instance", "name"}

// appOf names the pods of a selector's matchLabels: namespace/app, or
// namespace/* for any pod.
func appOf(namespace string, matchLabels map[string]string) string {
	if namespace == "" {
		namespace = "*"
	}
	for _, key := range appLabels {
		if v, ok := matchLabels[key]; ok {
			return namespace + "/" + v
		}
	}
	if len(matchLabels) == 0 {
		return namespace + "/*"
	}
	keys := make([]string, 0, len(matchLabels))
	for k := range matchLabels {
		keys = append(keys, k+"="+matchLabels[k])
	}
	sort.Strings(keys)
	return namespace + "/{" + strings.Join(keys, ",") + "}"
}

// flowKey tells flows apart: their ends, and whether they are denied.
type flowKey struct {
	from, to string
	action   v1alpha1.FlowAction
}

// flowSet collects flows, merging the ports, L7 rules and policies of
// equal ones.
type flowSet map[flowKey]*v1alpha1.FlowEntry

func (f flowSet) add(from, to string, ports []string, policy string) {
	f.addRule(flowKey{from: from, to: to}, ports, nil, policy)
}

func (f flowSet) addRule(key flowKey, ports, l7 []string, policy string) {
	e := f[key]
	if e == nil {
		e = &v1alpha1.FlowEntry{From: key.from, To: key.to, Action: key.action}
		f[key] = e
	}
	for _, p := range ports {
		if !slices.Contains(e.Ports, p) {
			e.Ports = append(e.Ports, p)
		}
	}
	for _, r := range l7 {
		if !slices.Contains(e.L7, r) {
			e.L7 = append(e.L7, r)
		}
	}
	if !slices.Contains(e.Policies, policy) {
		e.Policies = append(e.Policies, policy)
	}
}

func (f flowSet) sorted() []v1alpha1.FlowEntry {
	out := make([]v1alpha1.FlowEntry, 0, len(f))
	for _, e := range f {
		slices.Sort(e.Ports)
		slices.Sort(e.L7)
		slices.Sort(e.Policies)
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b v1alpha1.FlowEntry) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.Action, b.Action))
	})
	return out
}

// flows derives, from the allow rules of the policies in scope, which
// namespaces and apps may reach which, on which ports.
func flows(sc *scope.Scope) []v1alpha1.FlowEntry {
	set := flowSet{}
	for _, p := range scope.Of(sc, sc.Snap.NetworkPolicies) {
		networkPolicyFlows(set, p)
	}
	for _, p := range scope.Of(sc, sc.Snap.CiliumNetworkPolicies) {
		ciliumFlows(set, KindCiliumNetworkPolicy+"/"+p.Namespace+"/"+p.Name, p.Namespace, append(api.Rules{p.Spec}, p.Specs...))
	}
	for i := range sc.Snap.CiliumClusterwideNetworkPolicies {
		p := &sc.Snap.CiliumClusterwideNetworkPolicies[i]
		ciliumFlows(set, KindCiliumClusterwideNetworkPolicy+"/"+p.Name, "", append(api.Rules{p.Spec}, p.Specs...))
	}
	return set.sorted()
}

func networkPolicyFlows(set flowSet, p *networkingv1.NetworkPolicy) {
	policy := KindNetworkPolicy + "/" + p.Namespace + "/" + p.Name
	self := appOf(p.Namespace, p.Spec.PodSelector.MatchLabels)
	types := effectivePolicyTypes(p)
	ports := func(ps []networkingv1.NetworkPolicyPort) []string {
		var out []string
		for _, port := range ps {
			proto := "TCP"
			if port.Protocol != nil {
				proto = string(*port.Protocol)
			}
			if port.Port != nil {
				out = append(out, port.Port.String()+"/"+proto)
			} else {
				out = append(out, "*/"+proto)
			}
		}
		return out
	}
	peers := func(ps []networkingv1.NetworkPolicyPeer) []string {
		if len(ps) == 0 {
			return []string{"any"}
		}
		var out []string
		for _, peer := range ps {
			switch {
			case peer.IPBlock != nil:
				out = append(out, "cidr:"+peer.IPBlock.CIDR)
			case peer.NamespaceSelector != nil:
				out = append(out, appOf(namespaceOfSelector(peer.NamespaceSelector), podLabels(peer.PodSelector)))
			default:
				out = append(out, appOf(p.Namespace, podLabels(peer.PodSelector)))
			}
		}
		return out
	}
	if types[model.Ingress] {
		for _, r := range p.Spec.Ingress {
			for _, from := range peers(r.From) {
				set.add(from, self, ports(r.Ports), policy)
			}
		}
	}
	if types[model.Egress] {
		for _, r := range p.Spec.Egress {
			for _, to := range peers(r.To) {
				set.add(self, to, ports(r.Ports), policy)
			}
		}
	}
}

func podLabels(s *metav1.LabelSelector) map[string]string {
	if s == nil {
		return nil
	}
	return s.MatchLabels
}

// namespaceOfSelector names the namespace a namespaceSelector picks: the
// kubernetes.io/metadata.name it matches, else "*".
func namespaceOfSelector(s *metav1.LabelSelector) string {
	if v, ok := s.MatchLabels["kubernetes.io/metadata.name"]; ok {
		return v
	}
	for _, r := range s.MatchExpressions {
		if r.Key == "kubernetes.io/metadata.name" && r.Operator == metav1.LabelSelectorOpIn && len(r.Values) == 1 {
			return r.Values[0]
		}
	}
	return "*"
}

// ciliumEndpoint names the pods of a Cilium peer selector, whose namespace
// is the policy's unless the selector names one.
func ciliumEndpoint(policyNamespace string, s *slimv1.LabelSelector) string {
	ml := map[string]string{}
	ns := policyNamespace
	if s != nil {
		for k, v := range s.MatchLabels {
			key := podLabelKey(k)
			switch {
			case key == ciliumNamespaceLabel:
				ns = string(v)
			case key == ciliumNamespaceLabelPrefix+"kubernetes.io/metadata.name":
				ns = string(v)
			default:
				ml[key] = string(v)
			}
		}
		for _, r := range s.MatchExpressions {
			if podLabelKey(r.Key) == ciliumNamespaceLabel && len(r.Values) == 1 && r.Operator == slimv1.LabelSelectorOpIn {
				ns = r.Values[0]
			}
		}
	}
	return appOf(ns, ml)
}

func ciliumPorts(rules api.PortRules, icmps int) []string {
	var out []string
	for _, r := range rules {
		for _, p := range r.Ports {
			proto := string(p.Protocol)
			if proto == "" || proto == "ANY" {
				proto = "any"
			}
			port := p.Port
			if p.EndPort > 0 {
				port = fmt.Sprintf("%s-%d", p.Port, p.EndPort)
			}
			out = append(out, port+"/"+proto)
		}
	}
	if icmps > 0 {
		out = append(out, "icmp")
	}
	return out
}

// ciliumL7 describes the HTTP and DNS rules of port rules.
func ciliumL7(rules api.PortRules) []string {
	var out []string
	for _, r := range rules {
		if r.Rules == nil {
			continue
		}
		for _, h := range r.Rules.HTTP {
			rule := "HTTP " + cmp.Or(h.Method, "*") + " " + cmp.Or(h.Path, "*")
			if h.Host != "" {
				rule += " host=" + h.Host
			}
			out = append(out, rule)
		}
		for _, d := range r.Rules.DNS {
			out = append(out, "DNS "+cmp.Or(d.MatchName, d.MatchPattern))
		}
	}
	return out
}

func ciliumDenyPorts(rules api.PortDenyRules, icmps int) []string {
	pr := make(api.PortRules, len(rules))
	for i, r := range rules {
		pr[i] = api.PortRule{Ports: r.Ports}
	}
	return ciliumPorts(pr, icmps)
}

// ingressPeerNames names the peers of an ingress rule.
func ingressPeerNames(namespace string, in *api.IngressCommonRule) []string {
	var out []string
	for _, peer := range in.FromEndpoints {
		out = append(out, ciliumEndpoint(namespace, peer.LabelSelector))
	}
	for _, e := range in.FromEntities {
		out = append(out, "entity:"+string(e))
	}
	for _, c := range in.FromCIDR {
		out = append(out, "cidr:"+string(c))
	}
	for _, c := range in.FromCIDRSet {
		if c.Cidr != "" {
			out = append(out, "cidr:"+string(c.Cidr))
		}
	}
	return out
}

// egressPeerNames names the peers of an egress rule.
func egressPeerNames(namespace string, out *api.EgressCommonRule, fqdns api.FQDNSelectorSlice) []string {
	var names []string
	for _, peer := range out.ToEndpoints {
		names = append(names, ciliumEndpoint(namespace, peer.LabelSelector))
	}
	for _, e := range out.ToEntities {
		names = append(names, "entity:"+string(e))
	}
	for _, f := range fqdns {
		names = append(names, "dns:"+cmp.Or(f.MatchName, f.MatchPattern))
	}
	for _, c := range out.ToCIDR {
		names = append(names, "cidr:"+string(c))
	}
	for _, c := range out.ToCIDRSet {
		if c.Cidr != "" {
			names = append(names, "cidr:"+string(c.Cidr))
		}
	}
	return names
}

// ciliumFlows adds the flows of a Cilium policy's rules: allowed, with the
// L7 rules that restrict them, and denied.
func ciliumFlows(set flowSet, policy, namespace string, rules api.Rules) {
	for _, r := range rules {
		if r == nil || r.NodeSelector.LabelSelector != nil {
			continue
		}
		self := ciliumEndpoint(namespace, r.EndpointSelector.LabelSelector)
		for i := range r.Ingress {
			in := &r.Ingress[i]
			ports, l7 := ciliumPorts(in.ToPorts, len(in.ICMPs)), ciliumL7(in.ToPorts)
			for _, peer := range ingressPeerNames(namespace, &in.IngressCommonRule) {
				set.addRule(flowKey{from: peer, to: self}, ports, l7, policy)
			}
		}
		for i := range r.IngressDeny {
			in := &r.IngressDeny[i]
			ports := ciliumDenyPorts(in.ToPorts, len(in.ICMPs))
			for _, peer := range ingressPeerNames(namespace, &in.IngressCommonRule) {
				set.addRule(flowKey{from: peer, to: self, action: v1alpha1.FlowDeny}, ports, nil, policy)
			}
		}
		for i := range r.Egress {
			out := &r.Egress[i]
			ports, l7 := ciliumPorts(out.ToPorts, len(out.ICMPs)), ciliumL7(out.ToPorts)
			for _, peer := range egressPeerNames(namespace, &out.EgressCommonRule, out.ToFQDNs) {
				set.addRule(flowKey{from: self, to: peer}, ports, l7, policy)
			}
		}
		for i := range r.EgressDeny {
			out := &r.EgressDeny[i]
			ports := ciliumDenyPorts(out.ToPorts, len(out.ICMPs))
			for _, peer := range egressPeerNames(namespace, &out.EgressCommonRule, nil) {
				set.addRule(flowKey{from: self, to: peer, action: v1alpha1.FlowDeny}, ports, nil, policy)
			}
		}
	}
}
