package inventory

import (
	"cmp"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
)

// ruleBucket indexes the compiled rules of one namespace ("" for
// clusterwide ones) by a label every pod they select carries, so a pod is
// matched only against the rules that can select it.
type ruleBucket struct {
	byLabel   map[string][]int
	unindexed []int
}

func indexRules(rules []podPolicy) map[string]*ruleBucket {
	out := map[string]*ruleBucket{}
	for i, r := range rules {
		b := out[r.namespace]
		if b == nil {
			b = &ruleBucket{byLabel: map[string][]int{}}
			out[r.namespace] = b
		}
		if r.indexKey == "" {
			b.unindexed = append(b.unindexed, i)
		} else {
			b.byLabel[r.indexKey] = append(b.byLabel[r.indexKey], i)
		}
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
	var candidates []int
	for _, ns := range names {
		pods := slices.Clone(m.podsByNamespace[ns])
		slices.SortFunc(pods, func(a, b *corev1.Pod) int { return cmp.Compare(a.Name, b.Name) })
		for _, p := range pods {
			pc := model.PodCoverage{Namespace: p.Namespace, Name: p.Name, HostNetwork: p.Spec.HostNetwork}
			if !pc.HostNetwork {
				candidates = c.candidates(candidates[:0], p)
				var allowAll [2]bool
				identity := ciliumIdentity{pod: p, namespace: m.namespaces[p.Namespace]}
				for _, ri := range candidates {
					r := &pols.rules[ri]
					var ok bool
					if r.cilium {
						ok = r.selector.Matches(identity)
					} else {
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
						e := &pols.entries[r.entry]
						pc.SelectedBy = append(pc.SelectedBy, e.Kind+"/"+e.Namespace+"/"+e.Name)
					}
				}
				for d := range 2 {
					pc.Isolated[d] = pc.DefaultDeny[d] && !allowAll[d]
				}
				slices.Sort(pc.SelectedBy)
			}
			c.pods = append(c.pods, pc)
		}
	}
	return c
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
			out = append(out, b.byLabel[k+"="+v]...)
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
		byCilium := slices.ContainsFunc(pc.SelectedBy, func(s string) bool { return hasKindPrefix(s, KindCiliumNetworkPolicy) })
		byKubernetes := slices.ContainsFunc(pc.SelectedBy, func(s string) bool { return hasKindPrefix(s, KindNetworkPolicy) })
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

func hasKindPrefix(selectedBy, kind string) bool {
	return len(selectedBy) > len(kind) && selectedBy[:len(kind)] == kind && selectedBy[len(kind)] == '/'
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
