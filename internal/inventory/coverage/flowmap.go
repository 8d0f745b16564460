package coverage

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
	"netinventory.io/netinventory/internal/snapshot"
)

// appGroup is the pods of one app in one namespace, represented by the
// first of them: the ends of the flow map.
type appGroup struct {
	name string // namespace/app, made when a flow needs it (nameOf)
	app  string
	rep  *snapshot.Pod
}

// subject is an app group whose pods policies select, and the rules that
// name its peers: those selecting every pod of its namespace (the
// namespace's wide rules), and those selecting its representative
// (rules[from:to] of the flow map's list).
type subject struct {
	group     *appGroup
	namespace int32
	from, to  int32
}

// appOf names a pod's app within its namespace: the first app label it
// carries, else its own name.
func appOf(p *snapshot.Pod) string {
	app, _ := appLabelOf(p)
	return app
}

// appLabelOf is appOf, with the index in appLabels of the label that
// names the app (-1: the pod's name).
func appLabelOf(p *snapshot.Pod) (string, int) {
	for i, key := range appLabels {
		if v, ok := p.Labels[key]; ok {
			return v, i
		}
	}
	return p.Name, -1
}

// flowMap derives the flows from the evaluator: for every app whose pods
// policies select, the peers its rules name, resolved to the apps that
// exist (or to the classes and ranges outside the cluster), each pod to
// pod flow kept on the ports the evaluator allows both ways (the
// destination's ingress and the source's egress, deny rules included).
type flowMap struct {
	sc     *scope.Scope
	ev     *Evaluator
	pols   *compiledPolicies
	set    flowSet
	groups map[string][]*appGroup // by namespace
	// byApp are the groups by namespace, then app.
	byApp map[string]map[string]*appGroup
	// chunk is where new groups are allocated, many at a time.
	chunk []appGroup
	// flowRules is what the flow map reads of the compiled rules.
	*flowRules
}

// flowRules is what the flow map reads of compiled rules, derived once
// per compilation (compiledPolicies.flows).
type flowRules struct {
	// policies name the policy of each rule as flows show it.
	policies []string
	// entryRules are the rules of each entry that read pods' labels (the
	// others are the namespace's, isolation.namespaceWide); ruleCount
	// counts each entry's rules.
	entryRules [][]int
	ruleCount  []int32
	// namesPeers is false for a rule that names no peer (default deny, a
	// rule without peers): it adds no flow.
	namesPeers []bool
}

func newFlowRules(pols *compiledPolicies) *flowRules {
	f := &flowRules{policies: make([]string, len(pols.rules)), entryRules: make([][]int, len(pols.entries)),
		ruleCount: make([]int32, len(pols.entries)), namesPeers: make([]bool, len(pols.rules))}
	names := make([]string, len(pols.entries))
	for i, e := range pols.entries {
		names[i] = e.Kind + "/" + e.Namespace + "/" + e.Name
		if e.Namespace == "" {
			names[i] = e.Kind + "/" + e.Name
		}
	}
	for i, r := range pols.rules {
		f.policies[i] = names[r.entry]
		f.ruleCount[r.entry]++
		for _, it := range r.items {
			f.namesPeers[i] = f.namesPeers[i] || len(it.ends) > 0 || len(it.selectors) > 0
		}
		if !r.namespaceOnly && !r.namespaceWide {
			f.entryRules[r.entry] = append(f.entryRules[r.entry], i)
		}
	}
	return f
}

func evaluatedFlows(sc *scope.Scope, pols *compiledPolicies, iso *isolation, ev *Evaluator) []v1alpha1.FlowEntry {
	f := &flowMap{sc: sc, ev: ev, pols: pols, set: make(flowSet, len(pols.rules)), groups: map[string][]*appGroup{},
		byApp: make(map[string]map[string]*appGroup, len(sc.Pods)), flowRules: pols.flows}
	entryRules, ruleCount, namesPeers := f.entryRules, f.ruleCount, f.namesPeers
	identity := &ciliumIdentity{ignored: pols.ignoredKeys}
	runs := 0
	for _, r := range iso.records {
		runs += len(r.appNames)
	}
	subjects := make([]subject, 0, runs)            // at most one per run of an app
	var matched []int                               // the rules of the subjects, one after the other
	wideRules := make([][]int, len(iso.namespaces)) // by namespace
	found := lastSubjects.Begin(len(iso.namespaces))
	for nsIndex, nsPods := range iso.namespaces {
		ns := nsPods.Namespace
		for _, ri := range iso.namespaceWide[ns] {
			if namesPeers[ri] {
				wideRules[nsIndex] = append(wideRules[nsIndex], ri)
			}
		}
		record := iso.records[nsIndex]
		apps := f.appsOf(ns, len(record.appNames))
		if kept := found.Last[ns]; kept != nil && kept.from == record {
			// Isolated from the same inputs: the same subjects.
			for _, k := range kept.subjects {
				g, _ := f.group(apps, k.rep, k.app)
				from := len(matched)
				matched = append(matched, k.rules...)
				subjects = append(subjects, subject{group: g, namespace: int32(nsIndex), from: int32(from), to: int32(len(matched))})
			}
			found.Next[ns] = kept
			continue
		}
		firstSubject := len(subjects)
		var last *appGroup // replicas are next to each other in name order
		for k := range nsPods.Pods {
			pc := &nsPods.Pods[k]
			if pc.HostNetwork || len(pc.SelectedBy) == 0 {
				continue
			}
			app := record.appNames[record.apps[k]]
			if last != nil && app == last.app {
				continue
			}
			g, created := f.group(apps, pc.Pod, app)
			last = g
			if !created {
				continue
			}
			p := pc.Pod
			identity.pod, identity.namespace = p, sc.Namespaces[ns]
			from := len(matched)
			for _, entry := range pc.SelectedBy {
				rules := entryRules[entry]
				if len(rules) == 1 && ruleCount[entry] == 1 {
					// The policy's only rule: it selects the pod.
					if namesPeers[rules[0]] {
						matched = append(matched, rules[0])
					}
					continue
				}
				for _, ri := range rules {
					if namesPeers[ri] && pols.rules[ri].selector.Matches(identity) {
						matched = append(matched, ri)
					}
				}
			}
			subjects = append(subjects, subject{group: g, namespace: int32(nsIndex), from: int32(from), to: int32(len(matched))})
		}
		found.Next[ns] = subjectsFound(record, subjects[firstSubject:], matched)
	}
	found.Keep()
	for _, s := range subjects {
		for _, ri := range wideRules[s.namespace] {
			f.addRule(s.group, ri)
		}
		for _, ri := range matched[s.from:s.to] {
			f.addRule(s.group, ri)
		}
	}
	return f.set.sorted()
}

// appsOf returns the app groups of a namespace by app, made for about
// size apps.
func (f *flowMap) appsOf(ns string, size int) map[string]*appGroup {
	apps := f.byApp[ns]
	if apps == nil {
		apps = make(map[string]*appGroup, size)
		f.byApp[ns] = apps
	}
	return apps
}

// group returns a pod's app group among those of its namespace, creating
// it (with the pod as its representative) when it is new.
func (f *flowMap) group(apps map[string]*appGroup, p *snapshot.Pod, app string) (*appGroup, bool) {
	if g := apps[app]; g != nil {
		return g, false
	}
	if len(f.chunk) == cap(f.chunk) {
		f.chunk = make([]appGroup, 0, 1024)
	}
	f.chunk = append(f.chunk, appGroup{app: app, rep: p})
	g := &f.chunk[len(f.chunk)-1]
	apps[app] = g
	return g, true
}

// nameOf names a group as flows show it (namespace/app), once.
func (g *appGroup) nameOf() string {
	if g.name == "" {
		g.name = g.rep.Namespace + "/" + g.app
	}
	return g.name
}

// groupsOf returns the app groups of a namespace's pods.
func (f *flowMap) groupsOf(ns string) []*appGroup {
	if gs, ok := f.groups[ns]; ok {
		return gs
	}
	var gs []*appGroup
	seen := map[*appGroup]bool{}
	apps := f.appsOf(ns, len(f.sc.Pods[ns])/2)
	for _, p := range f.sc.Pods[ns] {
		if p.Spec.HostNetwork {
			continue
		}
		if g, _ := f.group(apps, p, appOf(p)); !seen[g] {
			seen[g] = true
			gs = append(gs, g)
		}
	}
	f.groups[ns] = gs
	return gs
}

// addRule adds the flows one rule names for the app it selects.
func (f *flowMap) addRule(g *appGroup, ri int) {
	policy := f.policies[ri]
	items := f.pols.rules[ri].items
	for i := range items {
		it := &items[i]
		action := v1alpha1.FlowAction("")
		if it.deny {
			action = v1alpha1.FlowDeny
		}
		ports := it.portNames
		for _, end := range it.ends {
			f.addEnd(g, it, end, action, policy)
		}
		for _, s := range it.selectors {
			if s.pods.Empty() && s.namespaces == nil {
				f.addEnd(g, it, s.written, action, policy)
				continue
			}
			peers := f.peerGroups(s)
			if len(peers) == 0 && s.namespaces == nil {
				// No such pods among the objects read: the flow as written.
				f.addEnd(g, it, s.written, action, policy)
			}
			for _, peer := range peers {
				f.addPodFlow(g, peer, it, ports, it.l7Rules, policy, action)
			}
		}
	}
}

// addEnd adds a flow between an app and a peer named as the rule names it.
func (f *flowMap) addEnd(g *appGroup, it *ruleItem, peer string, action v1alpha1.FlowAction, policy string) {
	key := flowKey{from: peer, to: g.nameOf(), action: action}
	if it.direction == model.Egress {
		key = flowKey{from: g.nameOf(), to: peer, action: action}
	}
	f.set.addRule(key, it.portNames, it.l7Rules, policy)
}

// addPodFlow adds a flow between two apps, on the ports the evaluator
// allows (deny rules are kept as written).
func (f *flowMap) addPodFlow(g, peer *appGroup, it *ruleItem, ports, l7 []string, policy string, action v1alpha1.FlowAction) {
	src, dst := peer, g
	if it.direction == model.Egress {
		src, dst = g, peer
	}
	key := flowKey{from: src.nameOf(), to: dst.nameOf(), action: action}
	if action == v1alpha1.FlowDeny {
		f.set.addRule(key, ports, nil, policy)
		return
	}
	var allowed []string
	for _, pr := range it.ports {
		port, proto := pr.from, cmp.Or(pr.protocol, "TCP")
		if pr.name != "" {
			port = namedPort(dst.rep, pr.name, proto)
		}
		if port <= 0 {
			port = 1 // any port: ask for one
		}
		if f.ev.Allowed(f.ev.PodPeer(src.rep), dst.rep, port, proto) {
			allowed = append(allowed, portName(pr))
		}
	}
	if len(it.ports) == 0 {
		if !f.ev.Allowed(f.ev.PodPeer(src.rep), dst.rep, 1, "TCP") {
			return
		}
	} else if len(allowed) == 0 {
		return // the other end's policies refuse it
	}
	f.set.addRule(key, allowed, l7, policy)
}

// peerGroups are the apps a peer selector picks.
func (f *flowMap) peerGroups(s peerSelector) []*appGroup {
	var out []*appGroup
	consider := func(ns string) {
		namespace := f.sc.Namespaces[ns]
		if s.namespaces != nil && (namespace == nil || !s.namespaces.Matches(labels.Set(namespace.Labels))) {
			return
		}
		for _, g := range f.groupsOf(ns) {
			if s.pods.Matches(&ciliumIdentity{pod: g.rep, namespace: namespace, filter: true}) {
				out = append(out, g)
			}
		}
	}
	if s.namespace != "" {
		consider(s.namespace)
		return out
	}
	for _, ns := range slices.Sorted(maps.Keys(f.sc.Pods)) {
		consider(ns)
	}
	return out
}

// classNames names the peer classes of a rule: any, entity:cluster for
// every class inside the cluster, entity:world for both families of
// addresses outside, else each class.
func classNames(c peerSet) []string {
	if c == peerAll {
		return []string{"any"}
	}
	var out []string
	switch {
	case c&peerWorld == peerWorld:
		out = append(out, "entity:world")
	case c&peerWorldIPv4 != 0:
		out = append(out, "entity:world-ipv4")
	case c&peerWorldIPv6 != 0:
		out = append(out, "entity:world-ipv6")
	}
	if c&peerCluster == peerCluster {
		return append(out, "entity:cluster")
	}
	for _, n := range []struct {
		bit  peerSet
		name string
	}{{peerAllPods, "*/*"}, {peerHost, "entity:host"}, {peerRemoteNode, "entity:remote-node"}, {peerKubeAPIServer, "entity:kube-apiserver"},
		{peerHealth, "entity:health"}, {peerIngress, "entity:ingress"}} {
		if c&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

func portNames(ports []portRule) []string {
	var out []string
	for _, p := range ports {
		out = append(out, portName(p))
	}
	return out
}

func portName(p portRule) string {
	proto := cmp.Or(p.protocol, "any")
	switch {
	case p.protocol == "ICMP":
		return "icmp"
	case p.name != "":
		return p.name + "/" + proto
	case p.from == 0:
		return "*/" + proto
	case p.to > p.from:
		return fmt.Sprintf("%d-%d/%s", p.from, p.to, proto)
	}
	return strconv.Itoa(int(p.from)) + "/" + proto
}

// selectorApp names the app a selector picks, for pods that are not
// among the objects read: its app label, else its requirements.
func selectorApp(sel labels.Selector) string {
	reqs, _ := sel.Requirements()
	var rest []string
	for _, r := range reqs {
		if r.Key() != ciliumNamespaceLabel {
			rest = append(rest, r.String())
		}
	}
	if len(rest) == 0 {
		return "*"
	}
	for _, key := range appLabels {
		for _, r := range reqs {
			if r.Key() == key && r.Values().Len() == 1 {
				return r.Values().List()[0]
			}
		}
	}
	return "{" + strings.Join(rest, ",") + "}"
}

// selectorNamespace is the one namespace a Cilium selector names, else *.
func selectorNamespace(sel labels.Selector) string {
	reqs, _ := sel.Requirements()
	for _, r := range reqs {
		if r.Key() == ciliumNamespaceLabel && r.Values().Len() == 1 {
			return r.Values().List()[0]
		}
	}
	return "*"
}
