// Package diff compares two NetworkInventory statuses, typically the
// inventories of a pull request's base and of its head, and renders what
// changed for a review: endpoints added and removed, their exposure and
// authentication (per route rule too), gateways and LoadBalancer and
// NodePort Services, the isolation of namespaces, and findings opened,
// closed, acknowledged or reprioritised.
//
// Compare is pure and its result deterministic: the same two statuses give
// the same changes in the same order, the most urgent first, then by key.
package diff

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"netinventory.io/netinventory/api/v1alpha1"
)

// Effect says which way a change moves the exposure of the cluster.
type Effect string

// Effects, the most urgent first.
const (
	// Worse: more exposed or less guarded (an endpoint becomes public or
	// loses authentication, a namespace loses isolation, ...).
	Worse Effect = "Worse"
	// Neutral: a change that is neither, or both.
	Neutral Effect = "Neutral"
	// Better: less exposed or better guarded.
	Better Effect = "Better"
)

func (e Effect) rank() int { return slices.Index([]Effect{Worse, Neutral, Better}, e) }

// worst returns the most urgent of the effects, Neutral for none.
func worst(effects ...Effect) Effect {
	w := Effect("")
	for _, e := range effects {
		if w == "" || e.rank() < w.rank() {
			w = e
		}
	}
	return cmp.Or(w, Neutral)
}

// Kind says whether an item was added, removed or changed.
type Kind string

// Kinds of change of an endpoint, gateway, Service or namespace.
const (
	// Added: in the head only.
	Added Kind = "Added"
	// Removed: in the base only.
	Removed Kind = "Removed"
	// Changed: in both, with the fields named in Fields changed.
	Changed Kind = "Changed"
)

// The fields a Changed item names.
const (
	// FieldExposure: Internal or Public.
	FieldExposure = "exposure"
	// FieldAuthentication: the endpoint's authentication (mode, methods,
	// policy, declared, source) or a rule's.
	FieldAuthentication = "authentication"
	// FieldGateway: the endpoint is served by the same route for the same
	// hostname, on another gateway or listener.
	FieldGateway = "gateway"
	// FieldBackends: the endpoint's route forwards to other backends.
	FieldBackends = "backends"
	// FieldType: a Service's type.
	FieldType = "type"
	// FieldSourceRanges: the client ranges a LoadBalancer admits.
	FieldSourceRanges = "sourceRanges"
	// FieldPorts: a Service's ports or node ports.
	FieldPorts = "ports"
	// FieldCoverage: a namespace's coverage state.
	FieldCoverage = "coverage"
	// FieldIngressIsolation: whether none, some or all of a namespace's
	// pods are isolated for ingress.
	FieldIngressIsolation = "ingressIsolation"
	// FieldEgressIsolation: the same for egress.
	FieldEgressIsolation = "egressIsolation"
)

// Changes is what changed from a base inventory to a head inventory. Every
// list is sorted the most urgent first, then by key; a list without
// changes is empty, never nil.
type Changes struct {
	// Findings opened, reopened, reprioritised, acknowledged or closed.
	Findings []FindingChange `json:"findings"`
	// Endpoints added, removed or changed.
	Endpoints []EndpointChange `json:"endpoints"`
	// Gateways added, removed or whose exposure changed.
	Gateways []GatewayChange `json:"gateways"`
	// Services (LoadBalancer and NodePort) added, removed or changed.
	Services []ServiceChange `json:"services"`
	// Namespaces added, removed, or whose coverage or isolation changed.
	Namespaces []NamespaceChange `json:"namespaces"`
	// Notes say what the comparison could not see: a list of either side
	// truncated by spec.limits.
	Notes []string `json:"notes"`
}

// Empty is true when nothing changed. Notes are not changes.
func (c *Changes) Empty() bool {
	return len(c.Findings)+len(c.Endpoints)+len(c.Gateways)+len(c.Services)+len(c.Namespaces) == 0
}

// Compare returns what changed from base to head.
func Compare(base, head *v1alpha1.NetworkInventoryStatus) *Changes {
	c := &Changes{
		Findings:   compareFindings(base.Findings.Items, head.Findings.Items),
		Endpoints:  compareEndpoints(base.Endpoints.Items, head.Endpoints.Items),
		Gateways:   compareGateways(base.Gateways.Items, head.Gateways.Items),
		Services:   compareServices(base.Services.Items, head.Services.Items),
		Namespaces: compareNamespaces(base.Namespaces.Items, head.Namespaces.Items),
		Notes:      []string{},
	}
	for _, side := range []struct {
		name string
		st   *v1alpha1.NetworkInventoryStatus
	}{{"base", base}, {"head", head}} {
		for _, l := range []struct {
			name, limit string
			shown       int
			bounds      v1alpha1.ListBounds
		}{
			{"endpoints", "maxItemsPerList", len(side.st.Endpoints.Items), side.st.Endpoints.ListBounds},
			{"gateways", "maxItemsPerList", len(side.st.Gateways.Items), side.st.Gateways.ListBounds},
			{"services", "maxItemsPerList", len(side.st.Services.Items), side.st.Services.ListBounds},
			{"namespaces", "maxItemsPerList", len(side.st.Namespaces.Items), side.st.Namespaces.ListBounds},
			{"findings", "maxFindings", len(side.st.Findings.Items), side.st.Findings.ListBounds},
		} {
			if l.bounds.Truncated {
				c.Notes = append(c.Notes, fmt.Sprintf("the %s lists %d of its %d %s: changes to the others are not shown (raise spec.limits.%s)",
					side.name, l.shown, l.bounds.Total, l.name, l.limit))
			}
		}
	}
	return c
}

// match pairs the items of base and head by key. Items whose key repeats
// on one side are told apart by their order: the second is KEY#2.
func match[T any](base, head []T, key func(*T) string) (pairs [][2]*T, removed, added []*T) {
	index := func(items []T) (map[string]*T, []string) {
		m, seen := map[string]*T{}, map[string]int{}
		var keys []string
		for i := range items {
			k := key(&items[i])
			if seen[k]++; seen[k] > 1 {
				k = fmt.Sprintf("%s#%d", k, seen[k])
			}
			m[k] = &items[i]
			keys = append(keys, k)
		}
		return m, keys
	}
	b, bkeys := index(base)
	h, hkeys := index(head)
	slices.Sort(bkeys)
	slices.Sort(hkeys)
	for _, k := range bkeys {
		if hv, ok := h[k]; ok {
			pairs = append(pairs, [2]*T{b[k], hv})
		} else {
			removed = append(removed, b[k])
		}
	}
	for _, k := range hkeys {
		if _, ok := b[k]; !ok {
			added = append(added, h[k])
		}
	}
	return pairs, removed, added
}

// sameSet is true when a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// exposureEffect is the effect of an exposure going from a to b.
func exposureEffect(a, b v1alpha1.Exposure) Effect {
	switch {
	case a == b:
		return Neutral
	case b == v1alpha1.ExposurePublic:
		return Worse
	case a == v1alpha1.ExposurePublic:
		return Better
	}
	return Neutral
}

// presenceEffect is the effect of adding (or, with added false, removing)
// something with this exposure: a public one adds to or takes from what
// the internet reaches.
func presenceEffect(e v1alpha1.Exposure, added bool) Effect {
	switch {
	case e != v1alpha1.ExposurePublic:
		return Neutral
	case added:
		return Worse
	}
	return Better
}

// exposureRank orders public first.
func exposureRank(e v1alpha1.Exposure) int {
	if e == v1alpha1.ExposurePublic {
		return 0
	}
	return 1
}

// EntryChange is an entry of a status list (a Gateway, a LoadBalancer or
// NodePort Service, a namespace) added, removed, or changed.
type EntryChange[T any] struct {
	// Change is Added, Removed or Changed.
	Change Kind `json:"change"`
	// Key identifies the entry: namespace/name, or the namespace's name.
	Key string `json:"key"`
	// Effect of the change.
	Effect Effect `json:"effect"`
	// Fields changed: exposure (Gateways and Services), type, sourceRanges
	// and ports (Services), coverage, ingressIsolation and egressIsolation
	// (namespaces).
	Fields []string `json:"fields,omitempty"`
	// Base is the entry in the base, absent when added.
	Base *T `json:"base,omitempty"`
	// Head is the entry in the head, absent when removed.
	Head *T `json:"head,omitempty"`
}

// Latest is the entry in the head, or in the base when it was removed.
func (c *EntryChange[T]) Latest() *T {
	if c.Head != nil {
		return c.Head
	}
	return c.Base
}

// presence returns the changes of the entries added and removed, judged
// by their exposure.
func presence[T any](added, removed []*T, key func(*T) string, exposure func(*T) v1alpha1.Exposure) []EntryChange[T] {
	out := []EntryChange[T]{}
	for _, e := range added {
		out = append(out, EntryChange[T]{Change: Added, Key: key(e), Effect: presenceEffect(exposure(e), true), Head: e})
	}
	for _, e := range removed {
		out = append(out, EntryChange[T]{Change: Removed, Key: key(e), Effect: presenceEffect(exposure(e), false), Base: e})
	}
	return out
}

// byUrgency orders entry changes: for the worse first, then public before
// internal, then by key.
func byUrgency[T any](exposure func(*T) v1alpha1.Exposure) func(a, b EntryChange[T]) int {
	return func(a, b EntryChange[T]) int {
		return cmp.Or(cmp.Compare(a.Effect.rank(), b.Effect.rank()),
			cmp.Compare(exposureRank(exposure(a.Latest())), exposureRank(exposure(b.Latest()))), cmp.Compare(a.Key, b.Key))
	}
}

// GatewayChange is a Gateway added, removed, or whose exposure changed.
type GatewayChange = EntryChange[v1alpha1.GatewayEntry]

func compareGateways(base, head []v1alpha1.GatewayEntry) []GatewayChange {
	key := func(g *v1alpha1.GatewayEntry) string { return g.Namespace + "/" + g.Name }
	pairs, removed, added := match(base, head, key)
	exposure := func(g *v1alpha1.GatewayEntry) v1alpha1.Exposure { return g.Exposure }
	out := presence(added, removed, key, exposure)
	for _, p := range pairs {
		if p[0].Exposure != p[1].Exposure {
			out = append(out, GatewayChange{Change: Changed, Key: key(p[1]), Effect: exposureEffect(p[0].Exposure, p[1].Exposure),
				Fields: []string{FieldExposure}, Base: p[0], Head: p[1]})
		}
	}
	slices.SortStableFunc(out, byUrgency(exposure))
	return out
}

// ServiceChange is a LoadBalancer or NodePort Service added, removed or
// changed.
type ServiceChange = EntryChange[v1alpha1.ServiceEntry]

func portsText(ports []v1alpha1.ServicePortEntry) []string {
	out := make([]string, 0, len(ports))
	for _, p := range ports {
		s := fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		if p.NodePort != 0 {
			s += fmt.Sprintf(" (node port %d)", p.NodePort)
		}
		out = append(out, s)
	}
	return out
}

func compareServices(base, head []v1alpha1.ServiceEntry) []ServiceChange {
	key := func(s *v1alpha1.ServiceEntry) string { return s.Namespace + "/" + s.Name }
	pairs, removed, added := match(base, head, key)
	exposure := func(s *v1alpha1.ServiceEntry) v1alpha1.Exposure { return s.Exposure }
	out := presence(added, removed, key, exposure)
	for _, p := range pairs {
		b, h := p[0], p[1]
		var fields []string
		var effects []Effect
		if b.Exposure != h.Exposure {
			fields, effects = append(fields, FieldExposure), append(effects, exposureEffect(b.Exposure, h.Exposure))
		}
		if b.Type != h.Type {
			fields = append(fields, FieldType)
		}
		if !sameSet(b.SourceRanges, h.SourceRanges) {
			fields = append(fields, FieldSourceRanges)
			switch {
			case len(h.SourceRanges) == 0: // any client now
				effects = append(effects, Worse)
			case len(b.SourceRanges) == 0:
				effects = append(effects, Better)
			}
		}
		if !sameSet(portsText(b.Ports), portsText(h.Ports)) {
			fields = append(fields, FieldPorts)
		}
		if len(fields) > 0 {
			out = append(out, ServiceChange{Change: Changed, Key: key(h), Effect: worst(effects...), Fields: fields, Base: b, Head: h})
		}
	}
	slices.SortStableFunc(out, byUrgency(exposure))
	return out
}

// join joins the non-empty strings.
func join(sep string, s ...string) string {
	return strings.Join(slices.DeleteFunc(s, func(x string) bool { return x == "" }), sep)
}
