package inventory

import (
	"encoding/json"

	"netinventory.io/netinventory/api/v1alpha1"
)

// StatusBudget is the size the status is kept under, in bytes of JSON, so
// that the whole object (metadata, managed fields and spec included) stays
// under 256 KiB, far below the API server's request limit, at any cluster
// size. Lists are shortened, longest first, until the status fits; their
// totals, the truncated markers and the summary still count everything.
const StatusBudget = 224 * 1024

// listView lets fitBudget shorten one status list.
type listView struct {
	length    func() int
	keep      func(n int)
	truncated *bool
}

func view[T any](items *[]T, truncated *bool) listView {
	return listView{
		length:    func() int { return len(*items) },
		keep:      func(n int) { *items = (*items)[:n] },
		truncated: truncated,
	}
}

// fitBudget shortens the longest lists of a status until its JSON fits in
// budget bytes. Findings, sorted most urgent first, are cut last.
func fitBudget(st *v1alpha1.NetworkInventoryStatus, budget int) {
	lists := []listView{
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
	for {
		data, err := json.Marshal(st)
		if err != nil || len(data) <= budget {
			return
		}
		// Findings (last) give way only when every other list is short.
		longest := -1
		for i, l := range lists[:len(lists)-1] {
			if l.length() > 10 && (longest < 0 || l.length() > lists[longest].length()) {
				longest = i
			}
		}
		if longest < 0 && lists[len(lists)-1].length() > 10 {
			longest = len(lists) - 1
		}
		if longest < 0 {
			return
		}
		l := lists[longest]
		l.keep(l.length() * 3 / 4)
		*l.truncated = true
	}
}
