package coverage

import (
	"cmp"
	"net/netip"
	"strconv"
	"strings"

	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/policy/api"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"netinventory.io/netinventory/internal/inventory/model"
)

// ruleSource is the object a compiled rule came from.
type ruleSource struct {
	cilium        *api.Rule
	networkPolicy *networkingv1.NetworkPolicy
}

// ruleItem is one ingress or egress rule of a policy, as the reachability
// evaluator matches it: the peers it names, on which ports, and whether it
// allows or denies them.
type ruleItem struct {
	direction model.Direction
	deny      bool
	// classes are the peer classes named whole (entities, 0.0.0.0/0,
	// ::/0, a selector of every pod); peerAll for any peer.
	classes   peerSet
	selectors []peerSelector
	cidrs     []cidrPeer
	// ports are the ports it applies to; none: every port. portNames
	// show them.
	ports     []portRule
	portNames []string
	// l7 is true when HTTP or DNS rules restrict what passes; l7Rules
	// describe them.
	l7      bool
	l7Rules []string
	// fqdns are the DNS names an egress rule allows.
	fqdns []string
	// ends name, as flows show them, the peers that are not pods: the
	// classes, the ranges and the DNS names.
	ends []string
}

// peerSelector selects pods by identity labels, in one namespace ("" any)
// or in the namespaces a namespace selector picks.
type peerSelector struct {
	namespace string
	// namespaces selects namespaces by their labels; nil: no condition.
	namespaces labels.Selector
	pods       labels.Selector
	// written names the peer as the rule writes it, for flows to pods that
	// are not among the objects read ("namespace/*" for every pod).
	written string
}

// cidrPeer is an address range outside the cluster, less exceptions.
type cidrPeer struct {
	prefix netip.Prefix
	except []netip.Prefix
}

// contains reports whether the range covers every address of p.
func (c cidrPeer) contains(p netip.Prefix) bool {
	if !c.prefix.IsValid() || c.prefix.Addr().Is4() != p.Addr().Is4() || c.prefix.Bits() > p.Bits() || !c.prefix.Contains(p.Addr()) {
		return false
	}
	for _, e := range c.except {
		if e.Overlaps(p) {
			return false
		}
	}
	return true
}

// portRule is a port range or a named port, for a protocol ("" any).
type portRule struct {
	from, to int32
	name     string
	protocol string
}

// compileItems compiles the ingress and egress rules of a rule source;
// rules it cannot read (a selector that does not parse) are left out.
func compileItems(src ruleSource, namespace string) []ruleItem {
	var items []ruleItem
	if src.networkPolicy != nil {
		items = networkPolicyItems(src.networkPolicy)
	} else {
		items = ciliumRuleItems(src.cilium, namespace)
	}
	for i := range items {
		items[i].nameEnds()
	}
	return items
}

// nameEnds names the peers of an item as flows show them.
func (it *ruleItem) nameEnds() {
	it.ends = classNames(it.classes)
	for _, c := range it.cidrs {
		if c.prefix.Bits() != 0 || len(c.except) > 0 {
			it.ends = append(it.ends, "cidr:"+c.prefix.String())
		}
	}
	for _, name := range it.fqdns {
		it.ends = append(it.ends, "dns:"+name)
	}
	for i := range it.selectors {
		s := &it.selectors[i]
		if s.pods.Empty() {
			s.written = cmp.Or(s.namespace, "*") + "/*"
		} else {
			s.written = cmp.Or(s.namespace, selectorNamespace(s.pods)) + "/" + selectorApp(s.pods)
		}
	}
}

func ciliumRuleItems(r *api.Rule, namespace string) []ruleItem {
	clusterwide := namespace == ""
	var items []ruleItem
	add := func(d model.Direction, deny bool, endpoints []api.EndpointSelector, entities api.EntitySlice, cidrs api.CIDRSlice,
		cidrSet api.CIDRRuleSlice, otherPeers bool, ports []portRule, l7 bool) {
		it := ruleItem{direction: d, deny: deny, ports: ports, portNames: portNames(ports), l7: l7}
		if endpoints == nil && entities == nil && cidrs == nil && cidrSet == nil && !otherPeers && len(ports) > 0 {
			// Ports without peers: every peer, on those ports.
			it.classes = peerAll
		}
		for _, e := range entities {
			it.classes |= entityPeers[e]
		}
		for _, c := range cidrs {
			it.addCIDR(string(c), nil)
		}
		for _, c := range cidrSet {
			it.addCIDR(string(c.Cidr), c.ExceptCIDRs)
		}
		for _, es := range endpoints {
			if selectsAllPods(es.LabelSelector, clusterwide) {
				it.classes |= peerAllPods
				continue
			}
			if ps, ok := ciliumPeerSelector(es.LabelSelector, namespace); ok {
				it.selectors = append(it.selectors, ps)
			}
		}
		items = append(items, it)
	}
	for i := range r.Ingress {
		in := &r.Ingress[i]
		ports, l7 := ciliumPortRules(in.ToPorts)
		add(model.Ingress, false, in.FromEndpoints, in.FromEntities, in.FromCIDR, in.FromCIDRSet, ingressOtherPeers(&in.IngressCommonRule),
			withICMP(ports, len(in.ICMPs)), l7)
		items[len(items)-1].l7Rules = ciliumL7(in.ToPorts)
	}
	for i := range r.IngressDeny {
		in := &r.IngressDeny[i]
		add(model.Ingress, true, in.FromEndpoints, in.FromEntities, in.FromCIDR, in.FromCIDRSet, ingressOtherPeers(&in.IngressCommonRule),
			withICMP(ciliumDenyPortRules(in.ToPorts), len(in.ICMPs)), false)
	}
	for i := range r.Egress {
		out := &r.Egress[i]
		ports, l7 := ciliumPortRules(out.ToPorts)
		add(model.Egress, false, out.ToEndpoints, out.ToEntities, out.ToCIDR, out.ToCIDRSet, egressOtherPeers(&out.EgressCommonRule) || out.ToFQDNs != nil,
			withICMP(ports, len(out.ICMPs)), l7)
		items[len(items)-1].l7Rules = ciliumL7(out.ToPorts)
		for _, f := range out.ToFQDNs {
			items[len(items)-1].fqdns = append(items[len(items)-1].fqdns, cmp.Or(f.MatchName, f.MatchPattern))
		}
	}
	for i := range r.EgressDeny {
		out := &r.EgressDeny[i]
		add(model.Egress, true, out.ToEndpoints, out.ToEntities, out.ToCIDR, out.ToCIDRSet, egressOtherPeers(&out.EgressCommonRule),
			withICMP(ciliumDenyPortRules(out.ToPorts), len(out.ICMPs)), false)
	}
	return items
}

// ingressOtherPeers reports peers of kinds the evaluator does not model
// (nodes, cloud groups): the rule still names peers.
func ingressOtherPeers(in *api.IngressCommonRule) bool {
	return in.FromNodes != nil || in.FromGroups != nil
}

func egressOtherPeers(out *api.EgressCommonRule) bool {
	return out.ToNodes != nil || out.ToGroups != nil || out.ToServices != nil
}

// withICMP adds an ICMP entry per ICMP rule: they make the rule apply to
// ICMP, which no TCP, UDP or SCTP connection matches.
func withICMP(ports []portRule, icmps int) []portRule {
	for range icmps {
		ports = append(ports, portRule{protocol: "ICMP", from: -1, to: -1})
	}
	return ports
}

func (it *ruleItem) addCIDR(cidr string, except []api.CIDR) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return
	}
	c := cidrPeer{prefix: p.Masked()}
	for _, e := range except {
		if ep, err := netip.ParsePrefix(string(e)); err == nil {
			c.except = append(c.except, ep.Masked())
		}
	}
	it.classes |= cidrPeers(cidr, len(c.except))
	it.cidrs = append(it.cidrs, c)
}

// ciliumPeerSelector compiles an endpoint selector naming peers; a
// namespaced policy confines it to its namespace unless it names one.
func ciliumPeerSelector(s *slimv1.LabelSelector, namespace string) (peerSelector, bool) {
	sel, err := ciliumSelector(s)
	if err != nil {
		return peerSelector{}, false
	}
	ps := peerSelector{namespace: namespace, pods: sel}
	reqs, _ := sel.Requirements()
	for _, r := range reqs {
		if r.Key() == ciliumNamespaceLabel {
			ps.namespace = ""
		}
	}
	return ps, true
}

func ciliumPortRules(rules api.PortRules) ([]portRule, bool) {
	var out []portRule
	l7 := false
	for _, r := range rules {
		l7 = l7 || (r.Rules != nil && !r.Rules.IsEmpty())
		out = appendPortProtocols(out, r.Ports)
	}
	return out, l7
}

func ciliumDenyPortRules(rules api.PortDenyRules) []portRule {
	var out []portRule
	for _, r := range rules {
		out = appendPortProtocols(out, r.Ports)
	}
	return out
}

func appendPortProtocols(out []portRule, ports []api.PortProtocol) []portRule {
	for _, p := range ports {
		pr := portRule{protocol: strings.ToUpper(string(p.Protocol))}
		if pr.protocol == string(api.ProtoAny) {
			pr.protocol = ""
		}
		if n, err := strconv.Atoi(p.Port); err == nil {
			pr.from, pr.to = int32(n), max(int32(n), p.EndPort)
		} else {
			pr.name = p.Port
		}
		out = append(out, pr)
	}
	return out
}

func networkPolicyItems(p *networkingv1.NetworkPolicy) []ruleItem {
	var out []ruleItem
	add := func(d model.Direction, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) {
		it := ruleItem{direction: d, ports: networkPolicyPorts(ports)}
		it.portNames = portNames(it.ports)
		if len(peers) == 0 {
			it.classes = peerAll
		}
		for _, peer := range peers {
			switch {
			case peer.IPBlock != nil:
				except := make([]api.CIDR, len(peer.IPBlock.Except))
				for i, e := range peer.IPBlock.Except {
					except[i] = api.CIDR(e)
				}
				it.addCIDR(peer.IPBlock.CIDR, except)
			case peer.NamespaceSelector != nil:
				ns, err := metav1.LabelSelectorAsSelector(peer.NamespaceSelector)
				pods := labels.Everything()
				if err == nil && peer.PodSelector != nil {
					pods, err = metav1.LabelSelectorAsSelector(peer.PodSelector)
				}
				if err != nil {
					continue
				}
				if ns.Empty() && pods.Empty() {
					it.classes |= peerAllPods
					continue
				}
				it.selectors = append(it.selectors, peerSelector{namespaces: ns, pods: pods})
			case peer.PodSelector != nil:
				pods, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
				if err == nil {
					it.selectors = append(it.selectors, peerSelector{namespace: p.Namespace, pods: pods})
				}
			}
		}
		out = append(out, it)
	}
	for _, in := range p.Spec.Ingress {
		add(model.Ingress, in.From, in.Ports)
	}
	for _, e := range p.Spec.Egress {
		add(model.Egress, e.To, e.Ports)
	}
	return out
}

func networkPolicyPorts(ports []networkingv1.NetworkPolicyPort) []portRule {
	var out []portRule
	for _, p := range ports {
		pr := portRule{protocol: "TCP"}
		if p.Protocol != nil {
			pr.protocol = string(*p.Protocol)
		}
		switch {
		case p.Port == nil:
		case p.Port.Type == intstr.Int:
			pr.from, pr.to = p.Port.IntVal, p.Port.IntVal
			if p.EndPort != nil {
				pr.to = max(pr.to, *p.EndPort)
			}
		default:
			pr.name = p.Port.StrVal
		}
		out = append(out, pr)
	}
	return out
}
