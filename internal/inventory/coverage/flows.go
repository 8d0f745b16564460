package coverage

import (
	"cmp"
	"slices"

	"github.com/cilium/cilium/pkg/policy/api"

	"netinventory.io/netinventory/api/v1alpha1"
)

// appLabels are the labels that name an application, in order of
// preference, when naming the pods a selector picks.
var appLabels = []string{"app.kubernetes.io/name", "app", "k8s-app", "cnpg.io/cluster", "app.kubernetes.io/instance", "name"}

// flowKey tells flows apart: their ends, and whether they are denied.
type flowKey struct {
	from, to string
	action   v1alpha1.FlowAction
}

// flowSet collects flows, merging the ports, L7 rules and policies of
// equal ones.
type flowSet map[flowKey]*v1alpha1.FlowEntry

func (f flowSet) addRule(key flowKey, ports, l7 []string, policy string) {
	e := f[key]
	if e == nil {
		e = &v1alpha1.FlowEntry{From: key.from, To: key.to, Action: key.action}
		f[key] = e
	}
	for _, p := range ports {
		if !slices.Contains(e.Ports, p) {
			e.Ports = append(e.Ports, p)
		}
	}
	for _, r := range l7 {
		if !slices.Contains(e.L7, r) {
			e.L7 = append(e.L7, r)
		}
	}
	if !slices.Contains(e.Policies, policy) {
		e.Policies = append(e.Policies, policy)
	}
}

func (f flowSet) sorted() []v1alpha1.FlowEntry {
	entries := make([]*v1alpha1.FlowEntry, 0, len(f)) // sorted as pointers: entries are large
	for _, e := range f {
		slices.Sort(e.Ports)
		slices.Sort(e.L7)
		slices.Sort(e.Policies)
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b *v1alpha1.FlowEntry) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.Action, b.Action))
	})
	out := make([]v1alpha1.FlowEntry, len(entries))
	for i, e := range entries {
		out[i] = *e
	}
	return out
}

// ciliumL7 describes the HTTP and DNS rules of port rules.
func ciliumL7(rules api.PortRules) []string {
	var out []string
	for _, r := range rules {
		if r.Rules == nil {
			continue
		}
		for _, h := range r.Rules.HTTP {
			rule := "HTTP " + cmp.Or(h.Method, "*") + " " + cmp.Or(h.Path, "*")
			if h.Host != "" {
				rule += " host=" + h.Host
			}
			out = append(out, rule)
		}
		for _, d := range r.Rules.DNS {
			out = append(out, "DNS "+cmp.Or(d.MatchName, d.MatchPattern))
		}
	}
	return out
}
