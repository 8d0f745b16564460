package inventory

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
)

// StatusBudget is the size the status is kept under, in bytes of JSON, so
// that the whole object (metadata, managed fields and spec included) stays
// under 256 KiB, far below the API server's request limit, at any cluster
// size. It holds for the status as written: lists, summary, sources,
// conditions (the engine's, and room for the writer's Ready condition),
// observedGeneration and both times. Lists are shortened, longest first,
// until the status fits; their totals, the truncated markers and the
// summary still count everything.
const StatusBudget = 224 * 1024

// MaxConditionMessage bounds every condition message: the engine's, and
// the Ready condition's the status writer adds (the API allows 32 KiB).
const MaxConditionMessage = 1024

// readyAllowance is the room the budget keeps for the Ready condition the
// status writer adds to the engine's conditions: measured as a condition
// whose message has MaxConditionMessage bytes (of characters JSON does not
// escape) and reason maxReadyReason bytes, transition time and
// observedGeneration included: about 1.3 KiB.
func readyAllowance() metav1.Condition {
	return metav1.Condition{
		Type: v1alpha1.ConditionReady, Status: metav1.ConditionUnknown,
		Reason: strings.Repeat("R", maxReadyReason), Message: strings.Repeat("m", MaxConditionMessage),
	}
}

// maxReadyReason bounds the reason of the writer's Ready condition.
const maxReadyReason = 128

// listView lets fitBudget shorten one status list.
type listView struct {
	length func() int
	// cut keeps the first n items and returns how many bytes of JSON the
	// items cut took (each with its comma).
	cut       func(n int) int
	truncated *bool
}

func view[T any](items *[]T, truncated *bool) listView {
	var sizes []int // of each item's JSON, measured when first cut
	return listView{
		length: func() int { return len(*items) },
		cut: func(n int) int {
			if sizes == nil {
				sizes = make([]int, len(*items))
				var n byteCounter
				enc := json.NewEncoder(&n)
				for i := range *items {
					n = 0
					_ = enc.Encode(&(*items)[i]) // a failure shows when the status is encoded whole
					sizes[i] = int(n) - 1        // Encode ends with a newline
				}
			}
			freed := 0
			for _, s := range sizes[n:len(*items)] {
				freed += s + 1
			}
			*items = (*items)[:n]
			return freed
		},
		truncated: truncated,
	}
}

// truncatedField is what marking a list truncated adds to the JSON: its
// object always has a total before it.
const truncatedField = len(`,"truncated":true`)

// fitBudget shortens the longest lists of a status until its JSON, as
// written with conds (see asWritten), fits in budget bytes. Findings,
// sorted most urgent first, are cut last. It leaves the fields the writer
// sets as they were.
func fitBudget(st *v1alpha1.NetworkInventoryStatus, conds []metav1.Condition, budget int) {
	restore := asWritten(st, conds)
	defer restore()
	lists := statusLists(st)
	size, err := jsonSize(st)
	for err == nil && size > budget {
		longest := longestToCut(lists)
		if longest < 0 {
			return
		}
		// The size follows from what was cut: the status is encoded again
		// only to check it at the end.
		l := lists[longest]
		size -= l.cut(l.length() * 3 / 4)
		if !*l.truncated {
			*l.truncated, size = true, size+truncatedField
		}
		if size <= budget {
			size, err = jsonSize(st)
		}
	}
}

// statusLists are the lists of a status fitBudget may shorten, findings
// last.
func statusLists(st *v1alpha1.NetworkInventoryStatus) []listView {
	return []listView{
		view(&st.Flows.Items, &st.Flows.Truncated),
		view(&st.NetworkPolicies.Items, &st.NetworkPolicies.Truncated),
		view(&st.Namespaces.Items, &st.Namespaces.Truncated),
		view(&st.Endpoints.Items, &st.Endpoints.Truncated),
		view(&st.Services.Items, &st.Services.Truncated),
		view(&st.ReferenceGrants.Items, &st.ReferenceGrants.Truncated),
		view(&st.SecurityPolicies.Items, &st.SecurityPolicies.Truncated),
		view(&st.Gateways.Items, &st.Gateways.Truncated),
		view(&st.Findings.Items, &st.Findings.Truncated),
	}
}

// longestToCut returns the list to shorten next: the longest of more than
// ten items; findings (last) only when every other list is short; -1 when
// none is long.
func longestToCut(lists []listView) int {
	longest := -1
	for i, l := range lists[:len(lists)-1] {
		if l.length() > 10 && (longest < 0 || l.length() > lists[longest].length()) {
			longest = i
		}
	}
	if longest < 0 && lists[len(lists)-1].length() > 10 {
		longest = len(lists) - 1
	}
	return longest
}

// asWritten fills in what the status writer adds, each at its largest: an
// observedGeneration of 19 digits, both times, and conds plus the room for
// Ready (readyAllowance), each condition with a transition time and an
// observedGeneration. It returns the function that restores the fields.
func asWritten(st *v1alpha1.NetworkInventoryStatus, conds []metav1.Condition) (restore func()) {
	gen, recompute, change, current := st.ObservedGeneration, st.LastRecomputeTime, st.LastChangeTime, st.Conditions
	t := metav1.NewTime(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)) // times are written to the second
	st.ObservedGeneration, st.LastRecomputeTime, st.LastChangeTime = math.MaxInt64, &t, &t
	st.Conditions = nil
	for _, c := range append(slices.Clip(conds), readyAllowance()) {
		c.LastTransitionTime, c.ObservedGeneration = t, math.MaxInt64
		st.Conditions = append(st.Conditions, c)
	}
	return func() {
		st.ObservedGeneration, st.LastRecomputeTime, st.LastChangeTime, st.Conditions = gen, recompute, change, current
	}
}

// jsonSize returns the length of v's JSON without keeping it: the encoder
// writes to a counter from its pooled buffer.
func jsonSize(v any) (int, error) {
	var n byteCounter
	err := json.NewEncoder(&n).Encode(v)
	return int(n) - 1, err // Encode ends with a newline
}

// byteCounter counts the bytes written to it.
type byteCounter int

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}
