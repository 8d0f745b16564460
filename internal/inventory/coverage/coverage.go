package coverage

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
	"netinventory.io/netinventory/internal/snapshot"
)

// ruleBucket indexes the compiled rules of one namespace ("" for
// clusterwide ones) by a label every pod they select carries, so a pod is
// matched only against the rules that can select it.
type ruleBucket struct {
	// byLabel maps a label key, then value, to rules. A bucket usually
	// has fewer keys than a pod has labels: then the pod's labels are
	// looked up, not iterated.
	byLabel   labelIndexes
	unindexed []int
	// wide rules have an empty selector: they select every pod of the
	// bucket's namespace (every pod, clusterwide).
	wide []int
	// The rules whose selectors read only namespace-level labels are
	// matched once per namespace, indexed by a value their selectors
	// require (namespaceIndex) or not (namespaceUnindexed).
	namespaceIndex     labelIndexes
	namespaceUnindexed []int
	// keys are the label keys the pod-level rules (unindexed and byLabel)
	// read.
	keys selectorKeys
}

// labelIndexes map label keys, then values, to rules: a list of keys to
// iterate, and where each key is in it.
type labelIndexes struct {
	list []labelIndex
	at   map[string]int
}

// labelIndex maps the values of one label key to rules.
type labelIndex struct {
	key    string
	values map[string][]int
}

// add indexes a rule under a key and value.
func (x *labelIndexes) add(key, value string, rule int) {
	i, ok := x.at[key]
	if !ok {
		if x.at == nil {
			x.at = map[string]int{}
		}
		i = len(x.list)
		x.at[key] = i
		x.list = append(x.list, labelIndex{key: key, values: map[string][]int{}})
	}
	x.list[i].values[value] = append(x.list[i].values[value], rule)
}

// readKeys adds the label keys a selector reads to the bucket's keys.
func (b *ruleBucket) readKeys(sel labels.Selector) {
	reqs, _ := sel.Requirements()
	for _, r := range reqs {
		if _, ok := b.keys.set[r.Key()]; !ok {
			if b.keys.set == nil {
				b.keys.set = map[string]struct{}{}
			}
			b.keys.set[r.Key()] = struct{}{}
			b.keys.list = append(b.keys.list, r.Key())
		}
	}
}

// namespaceIndexKey returns a key and the one value a namespace-level
// selector requires of it; ok is false when it requires none.
func namespaceIndexKey(sel labels.Selector) (key, value string, ok bool) {
	reqs, _ := sel.Requirements()
	for _, r := range reqs {
		switch r.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In:
			if r.Values().Len() == 1 {
				return r.Key(), r.Values().List()[0], true
			}
		}
	}
	return "", "", false
}

func indexRules(rules []podPolicy) map[string]*ruleBucket {
	out := map[string]*ruleBucket{}
	for i, r := range rules {
		b := out[r.namespace]
		if b == nil {
			b = &ruleBucket{}
			out[r.namespace] = b
		}
		if r.namespaceOnly {
			if key, value, ok := namespaceIndexKey(r.selector); ok {
				b.namespaceIndex.add(key, value, i)
			} else {
				b.namespaceUnindexed = append(b.namespaceUnindexed, i)
			}
			continue
		}
		if r.namespaceWide {
			b.wide = append(b.wide, i)
			continue
		}
		b.readKeys(r.selector)
		key, value, ok := strings.Cut(r.indexKey, "=")
		if !ok {
			b.unindexed = append(b.unindexed, i)
			continue
		}
		b.byLabel.add(key, value, i)
	}
	return out
}

// isolation evaluates every running pod in scope against the policies.
type isolation struct {
	policies *compiledPolicies
	buckets  map[string]*ruleBucket
	// namespaces are the pods of each namespace with pods, in order (the
	// records' coverage).
	namespaces []model.NamespacePods
	// records are what isolating each namespace gave (as namespaces),
	// kept for the next recompute: the same record when the namespace
	// was isolated from the same inputs.
	records []*isolatedNamespace
	// selected counts the pods each catalog entry selects.
	selected []int32
	// byNamespace are the namespace-level rules selecting the pods of
	// each namespace with pods (namespaceRules), shared, read-only.
	byNamespace map[string][]int
	// namespaceWide are the rules selecting every pod of each namespace
	// with pods: its namespace-level rules and the empty selectors of the
	// namespace and clusterwide, shared, read-only.
	namespaceWide map[string][]int
}

// levelRules is what the rules that select every pod of a namespace
// (namespace-level and empty selectors, of the namespace and clusterwide)
// decide for each of its pods, decided once for the namespace.
type levelRules struct {
	deny    model.PerDirection
	decides [2]peerSet
	// entries are the rules' policies, sorted, shared.
	entries []int32
	// stamp marks the entries in isLevel.
	stamp int
}

// isolate decides, per pod and direction, whether it is selected, in
// default deny, and restricted. hostNetwork pods are left out of policy
// evaluation: pod policies do not apply to them.
func isolate(sc *scope.Scope, pols *compiledPolicies) *isolation {
	c := &isolation{policies: pols, buckets: pols.buckets, selected: make([]int32, len(pols.entries)),
		byNamespace: make(map[string][]int, len(sc.Pods)), namespaceWide: make(map[string][]int, len(sc.Pods))}
	names := make([]string, 0, len(sc.Pods))
	for ns := range sc.Pods {
		names = append(names, ns)
	}
	slices.Sort(names)
	lastPod := make([]int, len(pols.entries)) // dedupes multi-rule policies per pod
	isLevel := make([]int, len(pols.entries)) // the namespace whose level holds an entry
	for i := range lastPod {
		lastPod[i], isLevel[i] = -1, -1
	}
	var appNames []string // one namespace's, before they are kept
	podIndex := 0         // numbers the pods evaluated
	var candidates []int
	var own, prevOwn, merged, last []int32
	identity := &ciliumIdentity{ignored: pols.ignoredKeys}
	clusterwide, clusterwideBucket := c.podKeys("", selectorKeys{}), c.buckets[""]
	counts := entryCounts{count: make([]int32, len(pols.entries))}
	done := lastIsolated.Begin(len(names))
	for nsIndex, ns := range names {
		nsBucket, nsObject, nsPods := c.buckets[ns], sc.Namespaces[ns], sc.Pods[ns]
		if last := done.Last[ns]; last != nil && last.computedFrom(nsPods, nsObject.Labels, pols, sc.Enforcement) {
			c.add(ns, last)
			done.Next[ns] = last
			for _, s := range last.selected {
				c.selected[s.entry] += s.pods
			}
			continue
		}
		// What the namespace's pods get is allocated for the namespace
		// alone: kept for the next recompute, it holds no other memory.
		pods, apps := make([]model.PodCoverage, 0, len(nsPods)), make([]int32, 0, len(nsPods))
		arena := indexArena[int32]{chunkSize: min(arenaChunk, 16+2*len(nsPods))}
		last = nil // lists are shared within the namespace only
		appNames = appNames[:0]
		c.byNamespace[ns] = c.namespaceRules(sc, ns)
		level := c.level(ns, nsIndex, isLevel, &arena)
		levelPods := int32(0) // pods the level's rules select
		keys := c.podKeys(ns, clusterwide)
		// The app labels selectors read, first of appLabels first: a pod
		// like prev in all of them (sameIdentity) has prev's app when it
		// comes from one of them.
		appKeysRead := 0
		for appKeysRead < len(appLabels) {
			if _, read := keys.set[appLabels[appKeysRead]]; !read {
				break
			}
			appKeysRead++
		}
		var prev *snapshot.Pod // the last pod evaluated in full
		var prevResult model.PodCoverage
		prevAppKey := -1           // the index in appLabels of the label naming prev's app
		for _, p := range nsPods { // sorted by name
			podIndex++
			pc := model.PodCoverage{Pod: p, HostNetwork: p.Spec.HostNetwork}
			same := !pc.HostNetwork && prev != nil && sameIdentity(prev, p, keys)
			app := int32(-1)
			switch {
			case pc.HostNetwork:
			case same && prevAppKey >= 0 && prevAppKey < appKeysRead:
				app = int32(len(appNames) - 1) // prev's: the last run's
			default:
				name, key := appLabelOf(p)
				if !same {
					prevAppKey = key
				}
				if len(appNames) == 0 || appNames[len(appNames)-1] != name {
					appNames = append(appNames, name)
				}
				app = int32(len(appNames) - 1)
			}
			apps = append(apps, app)
			switch {
			case pc.HostNetwork:
			case same:
				// The replicas of a workload, next to each other in name
				// order, differ in nothing a selector reads: the same
				// result (SelectedBy is shared, read-only).
				pc.DefaultDeny, pc.Isolated, pc.SelectedBy = prevResult.DefaultDeny, prevResult.Isolated, prevResult.SelectedBy
				for _, e := range prevOwn {
					counts.add(e, 1)
				}
				levelPods++
			default:
				candidates = appendPodCandidates(candidates[:0], p, nsBucket, clusterwideBucket)
				decided := level.decides
				pc.DefaultDeny = level.deny
				identity.pod, identity.namespace = p, nsObject
				own = own[:0]
				for _, ri := range candidates {
					r := &pols.rules[ri]
					// Cilium matches NetworkPolicies' pod selectors
					// against identity labels too.
					if !r.selector.Matches(identity) {
						continue
					}
					for _, d := range model.Directions {
						pc.DefaultDeny[d] = pc.DefaultDeny[d] || r.deny[d]
						decided[d] |= r.decides[d]
					}
					if isLevel[r.entry] != level.stamp && lastPod[r.entry] != podIndex {
						lastPod[r.entry] = podIndex
						counts.add(int32(r.entry), 1)
						own = append(own, int32(r.entry))
					}
				}
				levelPods++
				switch sc.Enforcement { // Cilium's enable-policy overrides what the policies say
				case snapshot.EnforcementAlways:
					pc.DefaultDeny = model.PerDirection{true, true}
				case snapshot.EnforcementNever:
					pc.DefaultDeny = model.PerDirection{}
				}
				// Cilium always lets the node's own stack in (allow-localhost).
				decided[model.Ingress] |= peerHost
				for _, d := range model.Directions {
					pc.Isolated[d] = pc.DefaultDeny[d] && decided[d] != peerAll
				}
				// Pods of one workload that a selector still tells apart
				// (a StatefulSet's pod names) share one list too.
				if len(own) == 0 {
					last = level.entries
				} else {
					slices.Sort(own)
					merged = mergeDisjoint(merged[:0], level.entries, own)
					if !slices.Equal(merged, last) {
						last = arena.store(merged)
					}
				}
				pc.SelectedBy = last
				prev, prevResult, prevOwn = p, pc, append(prevOwn[:0], own...)
			}
			pods = append(pods, pc)
		}
		for _, e := range level.entries {
			counts.add(e, levelPods)
		}
		n := &isolatedNamespace{pods: nsPods, labels: nsObject.Labels, policies: pols, enforcement: sc.Enforcement,
			coverage: pods, apps: apps, appNames: slices.Clone(appNames), selected: counts.flush(c.selected),
			namespaceRules: c.byNamespace[ns], namespaceWide: c.namespaceWide[ns]}
		c.add(ns, n)
		done.Next[ns] = n
	}
	done.Keep()
	return c
}

// add adds a namespace's isolation.
func (c *isolation) add(ns string, n *isolatedNamespace) {
	c.namespaces = append(c.namespaces, model.NamespacePods{Namespace: ns, Pods: n.coverage})
	c.records = append(c.records, n)
	c.byNamespace[ns], c.namespaceWide[ns] = n.namespaceRules, n.namespaceWide
}

// level returns what the rules selecting every pod of a namespace decide
// (and keeps those rules in namespaceWide), and marks their entries in
// isLevel with the namespace's index.
func (c *isolation) level(ns string, nsIndex int, isLevel []int, arena *indexArena[int32]) levelRules {
	wide := slices.Clone(c.byNamespace[ns])
	for _, bucket := range []string{ns, ""} {
		if b := c.buckets[bucket]; b != nil {
			wide = append(wide, b.wide...)
		}
	}
	c.namespaceWide[ns] = wide
	out := levelRules{stamp: nsIndex}
	if len(wide) == 0 {
		return out
	}
	entries := make([]int32, 0, len(wide))
	for _, ri := range wide {
		r := &c.policies.rules[ri]
		for _, d := range model.Directions {
			out.deny[d] = out.deny[d] || r.deny[d]
			out.decides[d] |= r.decides[d]
		}
		entries = append(entries, int32(r.entry))
	}
	slices.Sort(entries)
	out.entries = arena.store(slices.Compact(entries))
	for _, e := range out.entries {
		isLevel[e] = nsIndex
	}
	return out
}

// mergeDisjoint appends to out the union of two sorted lists that share no
// element, sorted.
func mergeDisjoint(out, a, b []int32) []int32 {
	for len(a) > 0 && len(b) > 0 {
		if a[0] < b[0] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// selectorKeys are the label keys selectors read, as a list and a set.
type selectorKeys struct {
	list []string
	set  map[string]struct{}
}

// podKeys returns keys with the label keys that the pod-level rules of a
// bucket (a namespace's, or "" for the clusterwide ones) read. Two pods of
// a namespace that agree on the keys its rules and the clusterwide ones
// read, and on their service account, are selected by the same rules.
func (c *isolation) podKeys(bucket string, keys selectorKeys) selectorKeys {
	b := c.buckets[bucket]
	switch {
	case b == nil || len(b.keys.list) == 0:
		return keys
	case len(keys.list) == 0:
		return b.keys // shared, read-only
	}
	out := selectorKeys{list: slices.Clone(keys.list), set: maps.Clone(keys.set)}
	for _, k := range b.keys.list {
		if _, ok := out.set[k]; !ok {
			out.set[k] = struct{}{}
			out.list = append(out.list, k)
		}
	}
	return out
}

// sameIdentity reports whether two pods of one namespace look the same to
// every selector: the same service account, and the same value (or
// absence) of every label key a selector reads.
func sameIdentity(a, b *snapshot.Pod, keys selectorKeys) bool {
	if a.Spec.ServiceAccountName != b.Spec.ServiceAccountName {
		return false
	}
	if len(keys.list) <= len(a.Labels)+len(b.Labels) {
		for _, k := range keys.list {
			va, inA := a.Labels[k]
			vb, inB := b.Labels[k]
			if inA != inB || va != vb {
				return false
			}
		}
		return true
	}
	// Many keys: read the pods' labels instead.
	for k, v := range a.Labels {
		if _, read := keys.set[k]; read {
			if w, ok := b.Labels[k]; !ok || w != v {
				return false
			}
		}
	}
	for k := range b.Labels {
		if _, read := keys.set[k]; read {
			if _, ok := a.Labels[k]; !ok {
				return false
			}
		}
	}
	return true
}

// namespaceRules returns the namespace-level rules (of the namespace and
// clusterwide) that select the pods of a namespace, in rule order per
// bucket.
func (c *isolation) namespaceRules(sc *scope.Scope, namespace string) []int {
	var out, candidates []int
	identity := &ciliumIdentity{pod: &snapshot.Pod{}, namespace: sc.Namespaces[namespace]}
	identity.pod.Namespace = namespace
	for _, bucket := range []string{namespace, ""} {
		b := c.buckets[bucket]
		if b == nil {
			continue
		}
		candidates = append(candidates[:0], b.namespaceUnindexed...)
		for _, ix := range b.namespaceIndex.list {
			if v, ok := identity.lookup(ix.key); ok {
				candidates = append(candidates, ix.values[v]...)
			}
		}
		slices.Sort(candidates)
		for _, ri := range candidates {
			if c.policies.rules[ri].selector.Matches(identity) {
				out = append(out, ri)
			}
		}
	}
	return out
}

// indexArena stores many small index slices in large shared chunks, so a
// pod's SelectedBy costs no allocation of its own; the slices it returns
// are shared and must not be changed.
type indexArena[T int | int32] struct {
	chunk []T
	// chunkSize is how many indexes a chunk holds (arenaChunk when 0).
	chunkSize int
}

const arenaChunk = 1 << 16

func (a *indexArena[T]) store(v []T) []T {
	if len(a.chunk)+len(v) > cap(a.chunk) {
		a.chunk = make([]T, 0, max(cmp.Or(a.chunkSize, arenaChunk), len(v)))
	}
	start := len(a.chunk)
	a.chunk = append(a.chunk, v...)
	return a.chunk[start:len(a.chunk):len(a.chunk)]
}

// candidates appends the rules that may select a pod: those of its
// namespace and the clusterwide ones, with an empty selector, unindexed or
// indexed by one of its labels.
func (c *isolation) candidates(out []int, p *snapshot.Pod) []int {
	out = c.podCandidates(out, p)
	for _, ns := range []string{p.Namespace, ""} {
		if b := c.buckets[ns]; b != nil {
			out = append(out, b.wide...)
		}
	}
	return out
}

// podCandidates appends the rules that may select a pod and read its
// labels: those of its namespace and the clusterwide ones, unindexed or
// indexed by one of its labels.
func (c *isolation) podCandidates(out []int, p *snapshot.Pod) []int {
	return appendPodCandidates(out, p, c.buckets[p.Namespace], c.buckets[""])
}

// appendPodCandidates appends the rules of a namespace's bucket and the
// clusterwide one (nil: none) that may select a pod and read its labels.
func appendPodCandidates(out []int, p *snapshot.Pod, namespace, clusterwide *ruleBucket) []int {
	for _, b := range [2]*ruleBucket{namespace, clusterwide} {
		if b == nil {
			continue
		}
		out = append(out, b.unindexed...)
		if len(b.byLabel.list) <= len(p.Labels) {
			for _, ix := range b.byLabel.list {
				if v, ok := p.Labels[ix.key]; ok {
					out = append(out, ix.values[v]...)
				}
			}
			continue
		}
		for k, v := range p.Labels {
			if i, ok := b.byLabel.at[k]; ok {
				out = append(out, b.byLabel.list[i].values[v]...)
			}
		}
	}
	return out
}

// coverageState summarises a namespace; see the CoverageState constants.
func coverageState(e *v1alpha1.NamespaceEntry, namespaceWideDeny bool) v1alpha1.CoverageState {
	subject := e.Pods - e.HostNetworkPods
	switch {
	case e.Pods == 0 && namespaceWideDeny:
		return v1alpha1.CoverageDefaultDeny
	case e.Pods == 0:
		return v1alpha1.CoverageEmpty
	case subject == 0:
		return v1alpha1.CoverageHostNetworkOnly
	case e.IsolatedIngress == subject && e.IsolatedEgress == subject:
		return v1alpha1.CoverageCovered
	case e.IsolatedIngress == 0 && e.IsolatedEgress == 0 && e.SelectedNotIsolated > 0:
		return v1alpha1.CoverageSelectedNotIsolated
	case e.IsolatedIngress == 0 && e.IsolatedEgress == 0:
		return v1alpha1.CoverageNone
	}
	return v1alpha1.CoveragePartial
}
