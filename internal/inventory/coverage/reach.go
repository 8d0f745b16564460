package coverage

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
	"netinventory.io/netinventory/internal/snapshot"
)

// Peer is a class of traffic ends: the pods sharing one identity (given by
// one of them), a reserved class (the world of an address family, the
// node, remote nodes, the kube-apiserver, health, ingress), or an address
// range outside the cluster.
type Peer struct {
	// Pod stands for every pod with its identity; nil for other peers.
	Pod *snapshot.Pod
	// Namespace is the pod's namespace object, for its labels (with the
	// kubernetes.io/metadata.name label the API server always adds).
	Namespace *corev1.Namespace
	// Class is a single reserved class, for a peer that is not a pod.
	Class PeerClass
	// CIDR is an address range outside the cluster, within Class's family.
	CIDR netip.Prefix
}

// PeerClass names the reserved peer classes.
type PeerClass = peerSet

// Reserved peer classes.
const (
	PeerWorldIPv4     = peerWorldIPv4
	PeerWorldIPv6     = peerWorldIPv6
	PeerHost          = peerHost
	PeerRemoteNode    = peerRemoteNode
	PeerKubeAPIServer = peerKubeAPIServer
	PeerHealth        = peerHealth
	PeerIngress       = peerIngress
)

// Verdict is the evaluator's answer for a flow.
type Verdict struct {
	Allowed bool
	// L7 is true when HTTP or DNS rules further restrict what passes.
	L7 bool
	// DecidedBy are the catalog entries whose rules decided it, as indexes
	// into the policy catalog: the deny rule that matched, the allow
	// rules that matched, or, for a default deny, the policies putting
	// the pod in default deny. Empty when no policy applies.
	DecidedBy []int
	// Reason says how it was decided.
	Reason VerdictReason
}

// VerdictReason says how a flow was decided.
type VerdictReason string

// Verdict reasons.
const (
	ReasonNoPolicy    VerdictReason = "NoPolicy" // no policy applies in that direction
	ReasonNotDefault  VerdictReason = "NoDefaultDeny"
	ReasonAllowed     VerdictReason = "AllowedByRule"
	ReasonDenied      VerdictReason = "DeniedByRule"
	ReasonDefaultDeny VerdictReason = "DefaultDeny"
	ReasonLocalhost   VerdictReason = "LocalhostAlwaysAllowed"
	ReasonNeverMode   VerdictReason = "EnforcementNever"
)

// Evaluator answers whether a peer may connect to a pod on a port, as
// Cilium enforces the policies in scope: the destination's ingress rules
// and, for a pod source, the source's egress rules. It compiles each
// policy's rules the first time it needs them; it is safe for concurrent
// use.
type Evaluator struct {
	sc       *scope.Scope
	policies *compiledPolicies
	buckets  map[string]*ruleBucket

	mu sync.Mutex
	// selected caches the rules selecting each pod asked about, and
	// byNamespace the namespace-level rules of each namespace.
	selected    map[*snapshot.Pod][]int
	byNamespace map[string][]int
}

// Evaluator returns the reachability evaluator over the phase's policies.
func (r *Result) Evaluator() *Evaluator { return r.evaluator }

func newEvaluator(sc *scope.Scope, pols *compiledPolicies, buckets map[string]*ruleBucket, byNamespace map[string][]int) *Evaluator {
	return &Evaluator{sc: sc, policies: pols, buckets: buckets, selected: map[*snapshot.Pod][]int{},
		byNamespace: maps.Clone(byNamespace)}
}

// PodPeer is the peer a pod stands for: its identity, or the node for a
// pod on the host network (Cilium gives it the host's identity).
func (e *Evaluator) PodPeer(p *snapshot.Pod) Peer {
	if p.Spec.HostNetwork {
		return Peer{Class: peerHost}
	}
	return Peer{Pod: p, Namespace: e.sc.Namespaces[p.Namespace]}
}

// selecting returns the rules selecting a pod.
func (e *Evaluator) selecting(p *snapshot.Pod) []int {
	e.mu.Lock()
	rules, ok := e.selected[p]
	e.mu.Unlock()
	if ok {
		return rules
	}
	rules = e.match(p)
	e.mu.Lock()
	e.selected[p] = rules
	e.mu.Unlock()
	return rules
}

func (e *Evaluator) match(p *snapshot.Pod) []int {
	identity := &ciliumIdentity{pod: p, namespace: e.sc.Namespaces[p.Namespace], ignored: e.policies.ignoredKeys}
	iso := &isolation{policies: e.policies, buckets: e.buckets}
	e.mu.Lock()
	perNamespace, ok := e.byNamespace[p.Namespace]
	e.mu.Unlock()
	if !ok {
		perNamespace = iso.namespaceRules(e.sc, p.Namespace)
		e.mu.Lock()
		e.byNamespace[p.Namespace] = perNamespace
		e.mu.Unlock()
	}
	var out []int
	for _, ri := range append(iso.candidates(nil, p), perNamespace...) {
		if r := &e.policies.rules[ri]; r.namespaceOnly || r.selector.Matches(identity) {
			out = append(out, ri)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Connect decides whether from may open a connection to the pod to on a
// port and protocol (TCP, UDP or SCTP), and says which rules decide it.
func (e *Evaluator) Connect(from Peer, to *snapshot.Pod, port int32, protocol string) Verdict {
	return e.connect(from, to, port, protocol, true)
}

// Brief is Connect's verdict without the rules that decide it.
func (e *Evaluator) Brief(from Peer, to *snapshot.Pod, port int32, protocol string) Verdict {
	return e.connect(from, to, port, protocol, false)
}

// Allowed is Connect's answer without the rules that decide it.
func (e *Evaluator) Allowed(from Peer, to *snapshot.Pod, port int32, protocol string) bool {
	return e.connect(from, to, port, protocol, false).Allowed
}

func (e *Evaluator) connect(from Peer, to *snapshot.Pod, port int32, protocol string, explain bool) Verdict {
	in := e.decide(model.Ingress, to, from, to, port, protocol, explain)
	if !in.Allowed || from.Pod == nil {
		return in
	}
	out := e.decide(model.Egress, from.Pod, e.PodPeer(to), to, port, protocol, explain)
	if !out.Allowed {
		return out
	}
	in.L7 = in.L7 || out.L7
	in.DecidedBy = mergeSorted(in.DecidedBy, out.DecidedBy)
	if in.Reason == ReasonNoPolicy {
		in.Reason = out.Reason
	}
	return in
}

// Egress decides whether a pod's egress rules let it open a connection to
// a peer that is not a pod (the world, a range of it, the node...).
func (e *Evaluator) Egress(from *snapshot.Pod, to Peer, port int32, protocol string) Verdict {
	return e.decide(model.Egress, from, to, nil, port, protocol, true)
}

// EgressAllowed is Egress's answer without the rules that decide it.
func (e *Evaluator) EgressAllowed(from *snapshot.Pod, to Peer, port int32, protocol string) bool {
	return e.decide(model.Egress, from, to, nil, port, protocol, false).Allowed
}

// decide applies the rules of subject in one direction to a peer.
func (e *Evaluator) decide(d model.Direction, subject *snapshot.Pod, peer Peer, dst *snapshot.Pod, port int32, protocol string, explain bool) Verdict {
	if subject.Spec.HostNetwork {
		return Verdict{Allowed: true, Reason: ReasonNoPolicy}
	}
	switch e.sc.Enforcement {
	case snapshot.EnforcementNever:
		return Verdict{Allowed: true, Reason: ReasonNeverMode}
	}
	rules := e.selecting(subject)
	defaultDeny := e.sc.Enforcement == snapshot.EnforcementAlways
	var denyBy, allowBy, denyDefault []int
	l7, denied, allowed := false, false, false
	applies := false
	for _, ri := range rules {
		r := &e.policies.rules[ri]
		if r.deny[d] {
			defaultDeny = true
			applies = true
			if explain {
				denyDefault = append(denyDefault, r.entry)
			}
		}
		for _, it := range e.policies.rules[ri].items {
			if it.direction != d {
				continue
			}
			applies = true
			if !it.matchesPort(dst, port, protocol) || !e.matchesPeer(&it, peer) {
				continue
			}
			if it.deny {
				denied = true
				if explain {
					denyBy = append(denyBy, r.entry)
				}
			} else {
				allowed = true
				l7 = l7 || it.l7
				if explain {
					allowBy = append(allowBy, r.entry)
				}
			}
		}
	}
	switch {
	case denied:
		return Verdict{Reason: ReasonDenied, DecidedBy: sortedUnique(denyBy)}
	case allowed:
		return Verdict{Allowed: true, L7: l7, Reason: ReasonAllowed, DecidedBy: sortedUnique(allowBy)}
	case d == model.Ingress && applies && peer.Pod == nil && peer.Class == peerHost:
		// Cilium lets the node in wherever ingress rules apply.
		return Verdict{Allowed: true, Reason: ReasonLocalhost}
	case defaultDeny:
		return Verdict{Reason: ReasonDefaultDeny, DecidedBy: sortedUnique(denyDefault)}
	case applies || len(rules) > 0:
		return Verdict{Allowed: true, Reason: ReasonNotDefault}
	}
	return Verdict{Allowed: true, Reason: ReasonNoPolicy}
}

// matchesPeer reports whether a rule item names a peer.
func (e *Evaluator) matchesPeer(it *ruleItem, p Peer) bool {
	if it.classes == peerAll {
		return true
	}
	if p.Pod == nil {
		if it.classes&p.Class != 0 {
			return true
		}
		if p.CIDR.IsValid() {
			return slices.ContainsFunc(it.cidrs, func(c cidrPeer) bool { return c.contains(p.CIDR) })
		}
		// The rest of the world is in a whole-family range, exceptions
		// or not: they name addresses of their own identities.
		return p.Class&peerWorld != 0 && slices.ContainsFunc(it.cidrs, func(c cidrPeer) bool {
			return c.prefix.Bits() == 0 && (c.prefix.Addr().Is4() == (p.Class == peerWorldIPv4))
		})
	}
	if it.classes&peerAllPods != 0 {
		return true
	}
	identity := &ciliumIdentity{pod: p.Pod, namespace: p.Namespace, filter: true}
	for _, s := range it.selectors {
		if s.namespace != "" && s.namespace != p.Pod.Namespace {
			continue
		}
		if s.namespaces != nil && (p.Namespace == nil || !s.namespaces.Matches(labels.Set(p.Namespace.Labels))) {
			continue
		}
		if s.pods.Matches(identity) {
			return true
		}
	}
	return false
}

// matchesPort reports whether a rule item applies to a port of dst.
func (it *ruleItem) matchesPort(dst *snapshot.Pod, port int32, protocol string) bool {
	if len(it.ports) == 0 {
		return true
	}
	for _, p := range it.ports {
		if p.protocol != "" && p.protocol != protocol {
			continue
		}
		switch {
		case p.name != "":
			if namedPort(dst, p.name, protocol) == port {
				return true
			}
		case p.from == 0 || (p.from > 0 && port >= p.from && port <= p.to):
			return true
		}
	}
	return false
}

// namedPort resolves a container port name of a pod; 0 when it has none.
func namedPort(p *snapshot.Pod, name, protocol string) int32 {
	if p == nil {
		return 0
	}
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			proto := string(cp.Protocol)
			if proto == "" {
				proto = "TCP"
			}
			if cp.Name == name && proto == protocol {
				return cp.ContainerPort
			}
		}
	}
	return 0
}

func sortedUnique(v []int) []int {
	slices.Sort(v)
	return slices.Compact(v)
}

func mergeSorted(a, b []int) []int {
	return sortedUnique(append(slices.Clone(a), b...))
}

// PeerNamespaces narrows the namespaces whose pods some ingress allow rule
// of a pod may admit: the namespaces its peer selectors name, or pick by
// their labels. all is true when a selector may pick pods of any
// namespace; the namespaces are then not narrowed.
func (e *Evaluator) PeerNamespaces(dst *snapshot.Pod, namespaces map[string]*corev1.Namespace) (names []string, all bool) {
	set := map[string]bool{}
	for _, ri := range e.selecting(dst) {
		for _, it := range e.policies.rules[ri].items {
			if it.direction != model.Ingress || it.deny {
				continue
			}
			for _, s := range it.selectors {
				switch {
				case s.namespace != "":
					set[s.namespace] = true
				case s.namespaces != nil:
					for name, ns := range namespaces {
						if s.namespaces.Matches(labels.Set(ns.Labels)) {
							set[name] = true
						}
					}
				case matchesOnlyLabelledPods(s.pods):
					// a pod without labels, which stands for its
					// namespace, cannot match it
				default:
					return nil, true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(set)), false
}

// matchesOnlyLabelledPods is true for a selector with a requirement on a
// pod's own labels that a pod without labels fails.
func matchesOnlyLabelledPods(sel labels.Selector) bool {
	reqs, _ := sel.Requirements()
	for _, r := range reqs {
		k := r.Key()
		if k == ciliumNamespaceLabel || k == ciliumClusterLabel || k == ciliumServiceAccountLabel || k == ciliumPodServiceAccount ||
			strings.HasPrefix(k, ciliumNamespaceLabelPrefix) {
			continue
		}
		if !r.Matches(labels.Set{}) {
			return true
		}
	}
	return false
}

// Scope is the scope the evaluator reads.
func (e *Evaluator) Scope() *scope.Scope { return e.sc }

// CatalogEntry names a policy the evaluator's verdicts point at.
func (e *Evaluator) CatalogEntry(i int) string {
	p := e.policies.entries[i]
	if p.Namespace == "" {
		return p.Kind + "/" + p.Name
	}
	return p.Kind + "/" + p.Namespace + "/" + p.Name
}
