package coverage

import (
	"maps"
	"slices"
	"sync"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/memo"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
	"netinventory.io/netinventory/internal/snapshot"
)

// isolatedNamespace is what isolating one namespace's pods gave, with
// what it was computed from. Everything isolation reads of a namespace is
// there: its pods (the scope's sorted list, the same list when they are
// the same objects), its labels, the compiled policies and Cilium's
// enforcement mode. Read-only once kept.
type isolatedNamespace struct {
	pods        []*snapshot.Pod
	labels      map[string]string
	policies    *compiledPolicies
	enforcement snapshot.PolicyEnforcement

	// coverage is the namespace's pods, by name: shared by every
	// recompute that keeps the namespace, read-only.
	coverage []model.PodCoverage
	// apps are the app of each pod (appOf), read while the pod is at hand
	// for the flow map, as an index into appNames, where pods of one app
	// next to each other share one name; -1 for hostNetwork pods. There
	// are as many names as runs of pods of one app: at least as many as
	// apps.
	apps     []int32
	appNames []string
	// selected counts the pods of the namespace each entry selects.
	selected []entryCount
	// namespaceRules and namespaceWide are the namespace's
	// (isolation.byNamespace, isolation.namespaceWide).
	namespaceRules, namespaceWide []int
}

// entryCount is how many pods of a namespace an entry selects.
type entryCount struct{ entry, pods int32 }

// computedFrom reports whether a namespace's isolation was computed from
// these inputs.
func (n *isolatedNamespace) computedFrom(pods []*snapshot.Pod, labels map[string]string, pols *compiledPolicies, enforcement snapshot.PolicyEnforcement) bool {
	return n.policies == pols && n.enforcement == enforcement && len(n.pods) == len(pods) &&
		len(pods) > 0 && &n.pods[0] == &pods[0] && maps.Equal(n.labels, labels)
}

// lastIsolated is each namespace's isolation in the last recompute. A
// namespace whose inputs are the same (computedFrom) isolates the same
// way: a recompute after one pod changed evaluates only that pod's
// namespace.
var lastIsolated memo.ByNamespace[*isolatedNamespace]

// entryCounts counts, for one namespace at a time, the pods each entry
// selects: the counts, and the entries counted.
type entryCounts struct {
	count   []int32
	touched []int32
}

func (n *entryCounts) add(entry, pods int32) {
	if pods == 0 {
		return
	}
	if n.count[entry] == 0 {
		n.touched = append(n.touched, entry)
	}
	n.count[entry] += pods
}

// flush adds the namespace's counts to total and returns them, and starts
// the next namespace.
func (n *entryCounts) flush(total []int32) []entryCount {
	out := make([]entryCount, 0, len(n.touched))
	for _, e := range n.touched {
		total[e] += n.count[e]
		out = append(out, entryCount{entry: e, pods: n.count[e]})
		n.count[e] = 0
	}
	n.touched = n.touched[:0]
	return out
}

// lastFlows is the flows of the last recompute, with the isolation of
// each namespace they were derived from. Flows read nothing but the
// compiled policies, Cilium's mode and, for every namespace with pods,
// its pods and labels: what the isolation records were computed from.
var lastFlows struct {
	sync.Mutex
	from  []*isolatedNamespace
	flows []v1alpha1.FlowEntry
}

// flowsOf returns the flows of a recompute: those of the last one when
// every namespace was isolated from the same inputs, else derived now.
func flowsOf(sc *scope.Scope, pols *compiledPolicies, iso *isolation, ev *Evaluator) []v1alpha1.FlowEntry {
	lastFlows.Lock()
	if slices.Equal(lastFlows.from, iso.records) && lastFlows.from != nil {
		flows := slices.Clone(lastFlows.flows) // the entries' lists are shared: read-only
		lastFlows.Unlock()
		return flows
	}
	lastFlows.Unlock()
	flows := evaluatedFlows(sc, pols, iso, ev)
	lastFlows.Lock()
	lastFlows.from, lastFlows.flows = iso.records, flows
	lastFlows.Unlock()
	return slices.Clone(flows)
}

// foundSubject is a subject of the flow map as a later recompute finds it
// again: its app, the pod that represents it, and the rules that select
// that pod and name peers.
type foundSubject struct {
	app   string
	rep   *snapshot.Pod
	rules []int
}

// namespaceSubjects are the subjects the flow map found in a namespace,
// and the isolation they were found in: a namespace isolated from the same
// inputs (the same record) has the same subjects.
type namespaceSubjects struct {
	from     *isolatedNamespace
	subjects []foundSubject
}

// lastSubjects are each namespace's subjects in the last recompute.
var lastSubjects memo.ByNamespace[*namespaceSubjects]

// subjectsFound returns the subjects found in a namespace as a later
// recompute finds them again, their rules in matched.
func subjectsFound(from *isolatedNamespace, subjects []subject, matched []int) *namespaceSubjects {
	kept := &namespaceSubjects{from: from, subjects: make([]foundSubject, len(subjects))}
	if len(subjects) > 0 { // their rules, one after the other, in one list
		rules := slices.Clone(matched[subjects[0].from:subjects[len(subjects)-1].to])
		for i, s := range subjects {
			from, to := s.from-subjects[0].from, s.to-subjects[0].from
			kept.subjects[i] = foundSubject{app: s.group.app, rep: s.group.rep, rules: rules[from:to:to]}
		}
	}
	return kept
}
