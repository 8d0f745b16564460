package inventory

import (
	"cmp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
)

// ruleBucket indexes the compiled rules of one namespace ("" for
// clusterwide ones) by a label every pod they select carries, so a pod is
// matched only against the rules that can select it.
type ruleBucket struct {
	// byLabel maps a label key, then value, to rules.
	byLabel   map[string]map[string][]int
	unindexed []int
	// namespaceOnly rules are matched once per namespace.
	namespaceOnly []int
}

func indexRules(rules []podPolicy) map[string]*ruleBucket {
	out := map[string]*ruleBucket{}
	for i, r := range rules {
		b := out[r.namespace]
		if b == nil {
			b = &ruleBucket{byLabel: map[string]map[string][]int{}}
			out[r.namespace] = b
		}
		if r.namespaceOnly {
			b.namespaceOnly = append(b.namespaceOnly, i)
			continue
		}
		key, value, ok := strings.Cut(r.indexKey, "=")
		if !ok {
			b.unindexed = append(b.unindexed, i)
			continue
		}
		if b.byLabel[key] == nil {
			b.byLabel[key] = map[string][]int{}
		}
		b.byLabel[key][value] = append(b.byLabel[key][value], i)
	}
	return out
}

// coverage evaluates every running pod in scope against the policies.
type coverage struct {
	policies *compiledPolicies
	buckets  map[string]*ruleBucket
	pods     []model.PodCoverage
	// selected counts the pods each catalog entry selects.
	selected []int32
}

// computeCoverage decides, per pod and direction, whether it is selected,
// in default deny, and restricted. hostNetwork pods are left out of policy
// evaluation: pod policies do not apply to them.
func (m *engine) computeCoverage(pols *compiledPolicies) *coverage {
	c := &coverage{policies: pols, buckets: indexRules(pols.rules), selected: make([]int32, len(pols.entries))}
	names := make([]string, 0, len(m.podsByNamespace))
	for ns := range m.podsByNamespace {
		names = append(names, ns)
	}
	slices.Sort(names)
	lastPod := make([]int, len(pols.entries)) // dedupes multi-rule policies per pod
	for i := range lastPod {
		lastPod[i] = -1
	}
	total := 0
	for _, pods := range m.podsByNamespace {
		total += len(pods)
	}
	c.pods = make([]model.PodCoverage, 0, total)
	var arena indexArena
	var candidates, selectedBy []int
	identity := &ciliumIdentity{}
	for _, ns := range names {
		perNamespace := c.namespaceRules(m, ns)
		pods := slices.Clone(m.podsByNamespace[ns])
		slices.SortFunc(pods, func(a, b *corev1.Pod) int { return cmp.Compare(a.Name, b.Name) })
		for _, p := range pods {
			pc := model.PodCoverage{Namespace: p.Namespace, Name: p.Name, HostNetwork: p.Spec.HostNetwork}
			if !pc.HostNetwork {
				candidates = append(c.candidates(candidates[:0], p), perNamespace...)
				var allowAll [2]bool
				identity.pod, identity.namespace = p, m.namespaces[p.Namespace]
				selectedBy = selectedBy[:0]
				for _, ri := range candidates {
					r := &pols.rules[ri]
					ok := r.namespaceOnly // already matched for the namespace
					switch {
					case ok:
					case r.cilium:
						ok = r.selector.Matches(identity)
					default:
						ok = r.selector.Matches(labels.Set(p.Labels))
					}
					if !ok {
						continue
					}
					for d := range 2 {
						pc.DefaultDeny[d] = pc.DefaultDeny[d] || r.deny[d]
						allowAll[d] = allowAll[d] || r.allowAll[d]
					}
					if lastPod[r.entry] != len(c.pods) {
						lastPod[r.entry] = len(c.pods)
						c.selected[r.entry]++
						selectedBy = append(selectedBy, r.entry)
					}
				}
				for d := range 2 {
					pc.Isolated[d] = pc.DefaultDeny[d] && !allowAll[d]
				}
				if len(selectedBy) > 0 {
					pc.SelectedBy = arena.store(selectedBy)
					slices.Sort(pc.SelectedBy)
				}
			}
			c.pods = append(c.pods, pc)
		}
	}
	return c
}

// namespaceRules returns the namespace-level rules (of the namespace and
// clusterwide) that select the pods of a namespace.
func (c *coverage) namespaceRules(m *engine, namespace string) []int {
	var out []int
	identity := &ciliumIdentity{pod: &corev1.Pod{}, namespace: m.namespaces[namespace]}
	identity.pod.Namespace = namespace
	for _, bucket := range []string{namespace, ""} {
		if b := c.buckets[bucket]; b != nil {
			for _, ri := range b.namespaceOnly {
				if c.policies.rules[ri].selector.Matches(identity) {
					out = append(out, ri)
				}
			}
		}
	}
	return out
}

// indexArena stores many small int slices in large shared chunks, so a
// pod's SelectedBy costs no allocation of its own.
type indexArena struct{ chunk []int }

const arenaChunk = 1 << 16

func (a *indexArena) store(v []int) []int {
	if len(a.chunk)+len(v) > cap(a.chunk) {
		a.chunk = make([]int, 0, max(arenaChunk, len(v)))
	}
	start := len(a.chunk)
	a.chunk = append(a.chunk, v...)
	return a.chunk[start:len(a.chunk):len(a.chunk)]
}

// candidates appends the rules that may select a pod: those of its
// namespace and the clusterwide ones, unindexed or indexed by one of its
// labels.
func (c *coverage) candidates(out []int, p *corev1.Pod) []int {
	for _, ns := range []string{p.Namespace, ""} {
		b := c.buckets[ns]
		if b == nil {
			continue
		}
		out = append(out, b.unindexed...)
		if len(b.byLabel) == 0 {
			continue
		}
		for k, v := range p.Labels {
			if values := b.byLabel[k]; values != nil {
				out = append(out, values[v]...)
			}
		}
	}
	return out
}

// namespaceDetail accumulates one namespace's coverage.
type namespaceDetail struct {
	entry                      v1alpha1.NamespaceEntry
	onlyCilium, onlyKubernetes []string
	namespaceWideDeny          bool
}

// coverageEntries computes the namespaces' coverage, priorities, policy
// counts, and the policy catalog with the pods each selects.
func (m *engine) coverageEntries(md *model.Model) {
	pols := m.compilePolicies()
	cov := m.computeCoverage(pols)
	md.Pods = cov.pods
	for i := range pols.entries {
		pols.entries[i].SelectedPods = cov.selected[i]
	}
	md.NetworkPolicies = pols.entries
	for _, p := range pols.problems {
		e := pols.entries[p.entry]
		md.PolicyProblems = append(md.PolicyProblems, model.PolicyProblem{
			Policy: v1alpha1.ObjectRef{Kind: e.Kind, Namespace: e.Namespace, Name: e.Name}, Reason: p.reason, Detail: p.detail})
	}

	details := map[string]*namespaceDetail{}
	for name := range m.inScope {
		details[name] = &namespaceDetail{entry: v1alpha1.NamespaceEntry{Name: name}}
	}
	for _, e := range pols.entries {
		if d := details[e.Namespace]; d != nil {
			switch e.Kind {
			case KindCiliumNetworkPolicy:
				d.entry.CiliumPolicies++
			case KindNetworkPolicy:
				d.entry.NetworkPolicies++
			}
		}
	}
	for _, r := range pols.rules {
		if d := details[r.namespace]; d != nil && r.namespaceWide && (r.deny[0] || r.deny[1]) {
			d.namespaceWideDeny = true
		}
	}
	for _, pc := range cov.pods {
		d := details[pc.Namespace]
		d.entry.Pods++
		if pc.HostNetwork {
			d.entry.HostNetworkPods++
			continue
		}
		if pc.Isolated[0] {
			d.entry.IsolatedIngress++
		}
		if pc.Isolated[1] {
			d.entry.IsolatedEgress++
		}
		if len(pc.SelectedBy) > 0 && !pc.Isolated[0] && !pc.Isolated[1] {
			d.entry.SelectedNotIsolated++
		}
		byCilium := slices.ContainsFunc(pc.SelectedBy, func(i int) bool { return pols.entries[i].Kind == KindCiliumNetworkPolicy })
		byKubernetes := slices.ContainsFunc(pc.SelectedBy, func(i int) bool { return pols.entries[i].Kind == KindNetworkPolicy })
		if byCilium && !byKubernetes {
			d.onlyCilium = append(d.onlyCilium, pc.Name)
		}
		if byKubernetes && !byCilium {
			d.onlyKubernetes = append(d.onlyKubernetes, pc.Name)
		}
	}
	backsPublic := map[string]bool{}
	for _, e := range md.Endpoints {
		if e.Exposure != v1alpha1.ExposurePublic {
			continue
		}
		for _, b := range e.Backends {
			if b.Permitted {
				backsPublic[b.Namespace] = true
			}
		}
	}
	for name, d := range details {
		d.entry.Coverage = coverageState(&d.entry, d.namespaceWideDeny)
		d.entry.Priority, d.entry.PriorityReason = m.namespacePriority(name, d.entry.Pods-d.entry.HostNetworkPods, backsPublic[name])
		md.Namespaces = append(md.Namespaces, d.entry)
		if d.entry.CiliumPolicies > 0 && d.entry.NetworkPolicies > 0 && (len(d.onlyCilium) > 0 || len(d.onlyKubernetes) > 0) {
			md.Disagreements = append(md.Disagreements, model.KindDisagreement{Namespace: name,
				OnlyCilium: d.onlyCilium, OnlyNetworkPolicy: d.onlyKubernetes})
		}
	}
	slices.SortFunc(md.Namespaces, func(a, b v1alpha1.NamespaceEntry) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(md.Disagreements, func(a, b model.KindDisagreement) int { return cmp.Compare(a.Namespace, b.Namespace) })
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
