package diff

import (
	"cmp"
	"fmt"
	"slices"

	"netinventory.io/netinventory/api/v1alpha1"
)

// EndpointChange is an endpoint added, removed or changed.
type EndpointChange struct {
	// Change is Added, Removed or Changed.
	Change Kind `json:"change"`
	// Key is the EndpointKey of the head's endpoint (of the base's when
	// removed).
	Key string `json:"key"`
	// Effect of the change.
	Effect Effect `json:"effect"`
	// Fields changed: exposure, authentication, gateway, backends.
	Fields []string `json:"fields,omitempty"`
	// Rules are the route rules whose authentication changed, when the
	// rules of either side differ from each other.
	Rules []RuleChange `json:"rules,omitempty"`
	// Base is the endpoint in the base, absent when added.
	Base *v1alpha1.EndpointEntry `json:"base,omitempty"`
	// Head is the endpoint in the head, absent when removed.
	Head *v1alpha1.EndpointEntry `json:"head,omitempty"`
}

// RuleChange is a change to the authentication of one rule of an
// endpoint's route.
type RuleChange struct {
	// Rule is the rule's name, or `rule N` when unnamed.
	Rule string `json:"rule"`
	// Paths the rule matches.
	Paths []string `json:"paths,omitempty"`
	// Base is the rule's authentication in the base, absent for a new
	// rule. When the base lists no rules (they were all alike), it is the
	// endpoint's.
	Base *v1alpha1.RuleAuthentication `json:"base,omitempty"`
	// Head is the rule's authentication in the head, absent for a removed
	// rule; the endpoint's when the head lists no rules.
	Head *v1alpha1.RuleAuthentication `json:"head,omitempty"`
}

// EndpointKey identifies an endpoint: its hostname (empty for TCP and UDP
// routes) and port, its gateway and listener, and the route that exposes
// it, e.g. `shop.example.com:443 shop/public/https HTTPRoute/shop/web`.
func EndpointKey(e *v1alpha1.EndpointEntry) string {
	return fmt.Sprintf("%s:%d %s/%s %s/%s/%s", e.Hostname, e.Port, e.Gateway, e.Listener, e.Route.Kind, e.Route.Namespace, e.Route.Name)
}

func (e *EndpointChange) exposure() v1alpha1.Exposure {
	if e.Head != nil {
		return e.Head.Exposure
	}
	return e.Base.Exposure
}

// phrase is a change in words, after a count of one and of many: "1
// endpoint loses authentication", "2 endpoints lose authentication". The
// report's Change column shows one.
type phrase struct{ one, many string }

// How an endpoint's authentication changed.
var (
	authLost          = phrase{"loses authentication", "lose authentication"}
	authLostOnRules   = phrase{"loses authentication on some rules", "lose authentication on some rules"}
	authWeaker        = phrase{"has weaker authentication", "have weaker authentication"}
	authGained        = phrase{"gains authentication", "gain authentication"}
	authGainedOnRules = phrase{"gains authentication on some rules", "gain authentication on some rules"}
	authStronger      = phrase{"has stronger authentication", "have stronger authentication"}
	authChanged       = phrase{"changes authentication", "change authentication"}
)

// authentication says how a Changed endpoint's authentication changed
// (the zero phrase when it did not) and the effect.
func (e *EndpointChange) authentication() (phrase, Effect) {
	if e.Change != Changed || !slices.Contains(e.Fields, FieldAuthentication) {
		return phrase{}, Neutral
	}
	b, h := e.Base.Authentication.Mode, e.Head.Authentication.Mode
	switch {
	case h.Rank() < b.Rank() && h == v1alpha1.AuthenticationNone && len(e.Head.Authentication.Rules) > 0:
		return authLostOnRules, Worse
	case h.Rank() < b.Rank() && h == v1alpha1.AuthenticationNone:
		return authLost, Worse
	case h.Rank() < b.Rank():
		return authWeaker, Worse
	case h.Rank() > b.Rank() && b == v1alpha1.AuthenticationNone && len(e.Base.Authentication.Rules) > 0:
		return authGainedOnRules, Better
	case h.Rank() > b.Rank() && b == v1alpha1.AuthenticationNone:
		return authGained, Better
	case h.Rank() > b.Rank():
		return authStronger, Better
	}
	var weaker, stronger, lost, gained bool
	for _, r := range e.Rules {
		switch {
		case r.Base == nil || r.Head == nil: // a rule added or removed: its paths are another rule's now
		case r.Head.Mode.Rank() < r.Base.Mode.Rank():
			weaker, lost = true, lost || r.Head.Mode == v1alpha1.AuthenticationNone
		case r.Head.Mode.Rank() > r.Base.Mode.Rank():
			stronger, gained = true, gained || r.Base.Mode == v1alpha1.AuthenticationNone
		}
	}
	switch {
	case weaker && !stronger && lost:
		return authLostOnRules, Worse
	case weaker && !stronger:
		return authWeaker, Worse
	case stronger && !weaker && gained:
		return authGainedOnRules, Better
	case stronger && !weaker:
		return authStronger, Better
	}
	return authChanged, Neutral
}

// sameAuthentication compares what guards an endpoint, rules aside.
func sameAuthentication(a, b v1alpha1.Authentication) bool {
	return a.Mode == b.Mode && sameSet(a.Methods, b.Methods) && a.Policy == b.Policy && a.Declared == b.Declared && a.Source == b.Source
}

// compareRules compares the authentication of each rule. A side that lists
// no rules has the endpoint's authentication on every rule.
func compareRules(b, h *v1alpha1.EndpointEntry) []RuleChange {
	br, hr := b.Authentication.Rules, h.Authentication.Rules
	if len(br) == 0 && len(hr) == 0 {
		return nil
	}
	implied := func(e *v1alpha1.EndpointEntry, name string, paths []string) *v1alpha1.RuleAuthentication {
		a := e.Authentication
		return &v1alpha1.RuleAuthentication{Rule: name, Paths: paths, Mode: a.Mode, Methods: a.Methods, Policy: a.Policy}
	}
	find := func(rules []v1alpha1.RuleAuthentication, name string) *v1alpha1.RuleAuthentication {
		for i := range rules {
			if rules[i].Rule == name {
				return &rules[i]
			}
		}
		return nil
	}
	var names []string // the head's rules in order, then the base's gone
	for _, r := range append(slices.Clone(hr), br...) {
		if !slices.Contains(names, r.Rule) {
			names = append(names, r.Rule)
		}
	}
	var out []RuleChange
	for _, name := range names {
		bra, hra := find(br, name), find(hr, name)
		if len(br) == 0 {
			bra = implied(b, name, hra.Paths)
		}
		if len(hr) == 0 {
			hra = implied(h, name, bra.Paths)
		}
		if bra != nil && hra != nil && bra.Mode == hra.Mode && sameSet(bra.Methods, hra.Methods) && bra.Policy == hra.Policy {
			continue
		}
		rc := RuleChange{Rule: name, Base: bra, Head: hra}
		if hra != nil {
			rc.Paths = hra.Paths
		} else {
			rc.Paths = bra.Paths
		}
		out = append(out, rc)
	}
	return out
}

func backendsText(bs []v1alpha1.BackendEntry) []string {
	out := make([]string, 0, len(bs))
	for _, b := range bs {
		s := fmt.Sprintf("%s %s/%s:%d", b.Kind, b.Namespace, b.Name, b.Port)
		if !b.Exists {
			s += " (missing)"
		}
		if !b.Permitted {
			s += " (no ReferenceGrant)"
		}
		out = append(out, s)
	}
	return out
}

// changedEndpoint compares the same endpoint (or the same route's hostname
// on another gateway or listener) on both sides; ok is false when nothing
// the report shows changed.
func changedEndpoint(b, h *v1alpha1.EndpointEntry) (EndpointChange, bool) {
	c := EndpointChange{Change: Changed, Key: EndpointKey(h), Base: b, Head: h}
	var effects []Effect
	if b.Gateway != h.Gateway || b.Listener != h.Listener || b.Port != h.Port {
		c.Fields = append(c.Fields, FieldGateway)
	}
	if b.Exposure != h.Exposure {
		c.Fields, effects = append(c.Fields, FieldExposure), append(effects, exposureEffect(b.Exposure, h.Exposure))
	}
	c.Rules = compareRules(b, h)
	if !sameAuthentication(b.Authentication, h.Authentication) || len(c.Rules) > 0 {
		c.Fields = append(c.Fields, FieldAuthentication)
		_, e := c.authentication()
		effects = append(effects, e)
	}
	if !sameSet(backendsText(b.Backends), backendsText(h.Backends)) {
		c.Fields = append(c.Fields, FieldBackends)
	}
	c.Effect = worst(effects...)
	return c, len(c.Fields) > 0
}

func compareEndpoints(base, head []v1alpha1.EndpointEntry) []EndpointChange {
	pairs, removed, added := match(base, head, EndpointKey)
	// The same route's hostname on another gateway or listener is the same
	// endpoint moved, when there is one on each side.
	route := func(e *v1alpha1.EndpointEntry) string {
		return fmt.Sprintf("%s %s/%s/%s", e.Hostname, e.Route.Kind, e.Route.Namespace, e.Route.Name)
	}
	count := func(es []*v1alpha1.EndpointEntry) map[string]int {
		n := map[string]int{}
		for _, e := range es {
			n[route(e)]++
		}
		return n
	}
	nr, na := count(removed), count(added)
	var gone, come []*v1alpha1.EndpointEntry
	for _, r := range removed {
		if k := route(r); nr[k] == 1 && na[k] == 1 {
			i := slices.IndexFunc(added, func(a *v1alpha1.EndpointEntry) bool { return route(a) == k })
			pairs = append(pairs, [2]*v1alpha1.EndpointEntry{r, added[i]})
			continue
		}
		gone = append(gone, r)
	}
	for _, a := range added {
		if k := route(a); nr[k] != 1 || na[k] != 1 {
			come = append(come, a)
		}
	}

	out := []EndpointChange{}
	for _, e := range come {
		out = append(out, EndpointChange{Change: Added, Key: EndpointKey(e), Effect: presenceEffect(e.Exposure, true), Head: e})
	}
	for _, e := range gone {
		out = append(out, EndpointChange{Change: Removed, Key: EndpointKey(e), Effect: presenceEffect(e.Exposure, false), Base: e})
	}
	for _, p := range pairs {
		if c, ok := changedEndpoint(p[0], p[1]); ok {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b EndpointChange) int {
		return cmp.Or(cmp.Compare(a.Effect.rank(), b.Effect.rank()), cmp.Compare(exposureRank(a.exposure()), exposureRank(b.exposure())),
			cmp.Compare(a.Key, b.Key))
	})
	return out
}
