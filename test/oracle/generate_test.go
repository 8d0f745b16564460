package oracle

import (
	"fmt"
	"math/rand/v2"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/policy/api"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"netinventory.io/netinventory/internal/snapshot"
)

// How many policy sets the differential test generates, and from which
// seed: fixed, so a disagreement reproduces.
const (
	generatedSets = 1200
	generatorSeed = 20261201
)

// generator draws small clusters (namespaces, pods, policies of the three
// kinds) from vocabularies chosen to hit the semantics that matter: default
// deny switched off per direction, allow-all spelled many ways, deny rules,
// port restrictions, host policies, label keys Cilium leaves out of
// identities, and the enforcement modes.
type generator struct {
	r *rand.Rand
}

func generateSets(n int, seed uint64) []*snapshot.Snapshot {
	g := &generator{r: rand.New(rand.NewPCG(seed, seed>>1))}
	out := make([]*snapshot.Snapshot, n)
	for i := range out {
		out[i] = g.set()
	}
	return out
}

func (g *generator) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *generator, xs ...T) T { return xs[g.r.IntN(len(xs))] }

var (
	appValues  = []string{"web", "db", "cache"}
	tierValues = []string{"front", "back"}
)

func (g *generator) set() *snapshot.Snapshot {
	s := &snapshot.Snapshot{}
	switch {
	case g.chance(0.08):
		s.CiliumPolicyEnforcement = snapshot.EnforcementAlways
	case g.chance(0.08):
		s.CiliumPolicyEnforcement = snapshot.EnforcementNever
	}
	s.CiliumIgnoresDefaultDenyFalse = g.chance(0.1)
	namespaces := []string{"alpha", "beta", "gamma"}[:1+g.r.IntN(3)]
	for _, ns := range namespaces {
		n := corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"kubernetes.io/metadata.name": ns}}}
		if g.chance(0.5) {
			n.Labels["team"] = pick(g, "red", "blue")
		}
		s.Namespaces = append(s.Namespaces, n)
		for i := range 1 + g.r.IntN(4) {
			s.Pods = append(s.Pods, snapshot.CompactPod(g.pod(ns, i), nil))
		}
	}
	for range g.r.IntN(5) {
		ns := pick(g, namespaces...)
		switch g.r.IntN(3) {
		case 0:
			np := g.networkPolicy(ns, len(s.NetworkPolicies))
			s.NetworkPolicies = append(s.NetworkPolicies, &np)
		case 1:
			p := &ciliumv2.CiliumNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cnp%d", len(s.CiliumNetworkPolicies)), Namespace: ns}}
			g.ciliumRules(&p.Spec, &p.Specs, false)
			s.CiliumNetworkPolicies = append(s.CiliumNetworkPolicies, p)
		default:
			p := &ciliumv2.CiliumClusterwideNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ccnp%d", len(s.CiliumClusterwideNetworkPolicies))}}
			g.ciliumRules(&p.Spec, &p.Specs, true)
			s.CiliumClusterwideNetworkPolicies = append(s.CiliumClusterwideNetworkPolicies, p)
		}
	}
	return s
}

func (g *generator) pod(ns string, i int) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod%d", i), Namespace: ns, Labels: map[string]string{}},
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	p.Labels["app"] = pick(g, appValues...)
	if g.chance(0.5) {
		p.Labels["tier"] = pick(g, tierValues...)
	}
	if g.chance(0.2) {
		p.Labels["pod-template-hash"] = "abc"
	}
	if g.chance(0.3) {
		p.Spec.ServiceAccountName = pick(g, "default", "robot")
	}
	p.Spec.HostNetwork = g.chance(0.05)
	return p
}

// labelSelector draws a pod selector for a NetworkPolicy.
func (g *generator) labelSelector() metav1.LabelSelector {
	switch g.r.IntN(6) {
	case 0, 1:
		return metav1.LabelSelector{}
	case 2:
		return metav1.LabelSelector{MatchLabels: map[string]string{"tier": pick(g, tierValues...)}}
	case 3:
		return metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "app", Operator: pick(g, metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn), Values: []string{pick(g, appValues...)}}}}
	case 4:
		return metav1.LabelSelector{MatchLabels: map[string]string{"pod-template-hash": "abc"}}
	}
	return metav1.LabelSelector{MatchLabels: map[string]string{"app": pick(g, appValues...)}}
}

func (g *generator) networkPolicy(ns string, i int) networkingv1.NetworkPolicy {
	p := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("np%d", i), Namespace: ns},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: g.labelSelector()}}
	switch g.r.IntN(4) {
	case 1:
		p.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	case 2:
		p.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	case 3:
		p.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	}
	for range g.r.IntN(3) {
		p.Spec.Ingress = append(p.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: g.peers(), Ports: g.ports()})
	}
	for range g.r.IntN(3) {
		p.Spec.Egress = append(p.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: g.peers(), Ports: g.ports()})
	}
	return p
}

func (g *generator) peers() []networkingv1.NetworkPolicyPeer {
	if g.chance(0.3) {
		return nil
	}
	var out []networkingv1.NetworkPolicyPeer
	for range 1 + g.r.IntN(3) {
		switch g.r.IntN(5) {
		case 0:
			sel := g.labelSelector()
			out = append(out, networkingv1.NetworkPolicyPeer{PodSelector: &sel})
		case 1:
			out = append(out, networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{}})
		case 2:
			out = append(out, networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "red"}}})
		default:
			ip := &networkingv1.IPBlock{CIDR: pick(g, "0.0.0.0/0", "::/0", "10.0.0.0/8")}
			if g.chance(0.2) && ip.CIDR == "0.0.0.0/0" {
				ip.Except = []string{"10.0.0.0/8"}
			}
			out = append(out, networkingv1.NetworkPolicyPeer{IPBlock: ip})
		}
	}
	return out
}

func (g *generator) ports() []networkingv1.NetworkPolicyPort {
	if g.chance(0.6) {
		return nil
	}
	port := intstr.FromInt32(pick(g, int32(80), int32(443)))
	proto := corev1.ProtocolTCP
	return []networkingv1.NetworkPolicyPort{{Protocol: &proto, Port: &port}}
}

// ciliumRules draws a spec (and sometimes specs) for a Cilium policy.
func (g *generator) ciliumRules(spec **api.Rule, specs *api.Rules, clusterwide bool) {
	n := 1
	if g.chance(0.15) {
		n = 2
	}
	for i := range n {
		r := g.ciliumRule(clusterwide)
		if i == 0 && g.chance(0.8) {
			*spec = r
		} else {
			*specs = append(*specs, r)
		}
	}
}

func (g *generator) ciliumRule(clusterwide bool) *api.Rule {
	r := &api.Rule{}
	if clusterwide && g.chance(0.1) {
		r.NodeSelector = api.NewESFromK8sLabelSelector("", &slimv1.LabelSelector{MatchLabels: map[string]string{"node-role": "worker"}})
	} else {
		r.EndpointSelector = api.NewESFromK8sLabelSelector("", g.ciliumSelector(clusterwide))
	}
	for _, d := range []**bool{&r.EnableDefaultDeny.Ingress, &r.EnableDefaultDeny.Egress} {
		switch g.r.IntN(4) {
		case 0:
			f := false
			*d = &f
		case 1:
			t := true
			*d = &t
		}
	}
	for range g.r.IntN(3) {
		r.Ingress = append(r.Ingress, g.ingressRule(clusterwide))
	}
	for range g.r.IntN(3) {
		r.Egress = append(r.Egress, g.egressRule(clusterwide))
	}
	if g.chance(0.15) {
		r.IngressDeny = append(r.IngressDeny, api.IngressDenyRule{IngressCommonRule: api.IngressCommonRule{FromEntities: api.EntitySlice{pick(g, api.EntityWorld, api.EntityHost)}}})
	}
	if g.chance(0.15) {
		r.EgressDeny = append(r.EgressDeny, api.EgressDenyRule{EgressCommonRule: api.EgressCommonRule{ToCIDR: api.CIDRSlice{"10.0.0.0/8"}}})
	}
	return r
}

// ciliumSelector draws an endpoint selector: the keys Cilium policies use
// for pods, namespaces, namespace labels and service accounts.
func (g *generator) ciliumSelector(clusterwide bool) *slimv1.LabelSelector {
	switch g.r.IntN(8) {
	case 0, 1:
		return &slimv1.LabelSelector{}
	case 2:
		return &slimv1.LabelSelector{MatchLabels: map[string]string{"k8s:app": pick(g, appValues...)}}
	case 3:
		return &slimv1.LabelSelector{MatchLabels: map[string]string{"io.cilium.k8s.namespace.labels.team": "red"}}
	case 4:
		if clusterwide {
			return &slimv1.LabelSelector{MatchLabels: map[string]string{"io.kubernetes.pod.namespace": pick(g, "alpha", "beta")}}
		}
		return &slimv1.LabelSelector{MatchLabels: map[string]string{"io.cilium.k8s.policy.serviceaccount": "robot"}}
	case 5:
		return &slimv1.LabelSelector{MatchExpressions: []slimv1.LabelSelectorRequirement{
			{Key: "tier", Operator: pick(g, slimv1.LabelSelectorOpIn, slimv1.LabelSelectorOpNotIn, slimv1.LabelSelectorOpExists), Values: g.valuesFor()}}}
	case 6:
		return &slimv1.LabelSelector{MatchLabels: map[string]string{"pod-template-hash": "abc"}}
	}
	return &slimv1.LabelSelector{MatchLabels: map[string]string{"app": pick(g, appValues...)}}
}

func (g *generator) valuesFor() []string { return []string{pick(g, tierValues...)} }

// entities draws a set of entities, often ones that together allow all.
func (g *generator) entities() api.EntitySlice {
	switch g.r.IntN(8) {
	case 0:
		return api.EntitySlice{api.EntityAll}
	case 1:
		return api.EntitySlice{api.EntityWorld, api.EntityCluster}
	case 2:
		return api.EntitySlice{api.EntityWorldIPv4, api.EntityWorldIPv6, api.EntityCluster}
	case 3:
		return api.EntitySlice{api.EntityCluster}
	case 4:
		return api.EntitySlice{api.EntityWorld}
	case 5:
		return api.EntitySlice{api.EntityHost, api.EntityRemoteNode}
	case 6:
		return api.EntitySlice{api.EntityWorldIPv4, api.EntityCluster}
	}
	return api.EntitySlice{pick(g, api.EntityKubeAPIServer, api.EntityHealth, api.EntityIngress, api.EntityNone)}
}

func (g *generator) cidrs() api.CIDRSlice {
	return pick(g, api.CIDRSlice{"0.0.0.0/0", "::/0"}, api.CIDRSlice{"0.0.0.0/0"}, api.CIDRSlice{"10.0.0.0/8"})
}

func (g *generator) endpoints(clusterwide bool) []api.EndpointSelector {
	sel := pick(g, &slimv1.LabelSelector{}, &slimv1.LabelSelector{MatchLabels: map[string]string{"k8s:app": pick(g, appValues...)}},
		&slimv1.LabelSelector{MatchExpressions: []slimv1.LabelSelectorRequirement{{Key: "k8s:io.kubernetes.pod.namespace", Operator: slimv1.LabelSelectorOpExists}}})
	_ = clusterwide
	return []api.EndpointSelector{api.NewESFromK8sLabelSelector("", sel)}
}

func (g *generator) toPorts() api.PortRules {
	if g.chance(0.65) {
		return nil
	}
	pr := api.PortRule{Ports: []api.PortProtocol{{Port: pick(g, "80", "53", "0"), Protocol: pick(g, api.ProtoTCP, api.ProtoAny)}}}
	if g.chance(0.3) && pr.Ports[0].Port == "80" && pr.Ports[0].Protocol == api.ProtoTCP {
		pr.Rules = &api.L7Rules{HTTP: []api.PortRuleHTTP{{Method: "GET"}}}
	}
	return api.PortRules{pr}
}

func (g *generator) ingressRule(clusterwide bool) api.IngressRule {
	var in api.IngressRule
	switch g.r.IntN(6) {
	case 0:
		// an empty rule: allows nothing by itself
	case 1, 2:
		in.FromEntities = g.entities()
	case 3:
		in.FromCIDR = g.cidrs()
	case 4:
		in.FromEndpoints = g.endpoints(clusterwide)
	default:
		in.FromEntities = api.EntitySlice{api.EntityCluster}
		in.FromCIDRSet = api.CIDRRuleSlice{{Cidr: "0.0.0.0/0"}, {Cidr: "::/0"}}
		if g.chance(0.3) {
			in.FromCIDRSet[0].ExceptCIDRs = []api.CIDR{"10.0.0.0/8"}
		}
	}
	in.ToPorts = g.toPorts()
	return in
}

func (g *generator) egressRule(clusterwide bool) api.EgressRule {
	var out api.EgressRule
	switch g.r.IntN(6) {
	case 0:
	case 1, 2:
		out.ToEntities = g.entities()
	case 3:
		out.ToCIDR = g.cidrs()
	case 4:
		out.ToEndpoints = g.endpoints(clusterwide)
	default:
		out.ToEntities = api.EntitySlice{api.EntityCluster}
		out.ToCIDRSet = api.CIDRRuleSlice{{Cidr: "0.0.0.0/0"}, {Cidr: "::/0"}}
	}
	out.ToPorts = g.toPorts()
	return out
}
