package diff

import (
	"cmp"
	"slices"

	"netinventory.io/netinventory/api/v1alpha1"
)

// Transition is what happened to a finding.
type Transition string

// Transitions, in the order they are listed.
const (
	// Opened: open in the head, absent from the base.
	Opened Transition = "Opened"
	// Reopened: acknowledged in the base, open in the head (the
	// acknowledgement was removed or expired).
	Reopened Transition = "Reopened"
	// Raised: open on both sides, more urgent in the head.
	Raised Transition = "Raised"
	// Lowered: open on both sides, less urgent in the head.
	Lowered Transition = "Lowered"
	// Acknowledged: acknowledged in the head, open in the base or absent
	// from it.
	Acknowledged Transition = "Acknowledged"
	// Closed: in the base (open or acknowledged), absent from the head.
	Closed Transition = "Closed"
)

var transitions = []Transition{Opened, Reopened, Raised, Lowered, Acknowledged, Closed}

// FindingChange is a finding opened, reopened, reprioritised, acknowledged
// or closed.
type FindingChange struct {
	// Change is the transition.
	Change Transition `json:"change"`
	// Key is FindingKey.
	Key string `json:"key"`
	// Rule that found the gap.
	Rule string `json:"rule"`
	// Subject of the finding.
	Subject string `json:"subject"`
	// Priority in the head; in the base when closed.
	Priority v1alpha1.Priority `json:"priority"`
	// BasePriority is the priority in the base, when raised or lowered.
	BasePriority v1alpha1.Priority `json:"basePriority,omitempty"`
	// Base is the finding in the base, absent when new.
	Base *v1alpha1.Finding `json:"base,omitempty"`
	// Head is the finding in the head, absent when closed.
	Head *v1alpha1.Finding `json:"head,omitempty"`
}

// FindingKey identifies a finding: its rule and subject, e.g.
// `PublicEndpointWithoutAuthentication shop.example.com`.
func FindingKey(f *v1alpha1.Finding) string { return f.Rule + " " + f.Subject }

// opensAt is true when the change makes the finding open at or above the
// level when it was not open at or above it in the base.
func (f *FindingChange) opensAt(level v1alpha1.Priority) bool {
	at := func(p v1alpha1.Priority) bool { return p.Rank() >= 0 && p.Rank() <= level.Rank() }
	switch f.Change {
	case Opened, Reopened:
		return at(f.Priority)
	case Raised:
		return at(f.Priority) && !at(f.BasePriority)
	}
	return false
}

// OpenedAtOrAbove returns the findings the change opens at the level or a
// more urgent one: opened or reopened at it, or raised to it from below.
// Findings already open at that level in the base are not among them.
func (c *Changes) OpenedAtOrAbove(level v1alpha1.Priority) []FindingChange {
	var out []FindingChange
	for _, f := range c.Findings {
		if f.opensAt(level) {
			out = append(out, f)
		}
	}
	return out
}

func compareFindings(base, head []v1alpha1.Finding) []FindingChange {
	pairs, removed, added := match(base, head, FindingKey)
	out := []FindingChange{}
	change := func(t Transition, b, h *v1alpha1.Finding) FindingChange {
		f := h
		if f == nil {
			f = b
		}
		return FindingChange{Change: t, Key: FindingKey(f), Rule: f.Rule, Subject: f.Subject, Priority: f.Priority, Base: b, Head: h}
	}
	for _, h := range added {
		if h.Acknowledged {
			out = append(out, change(Acknowledged, nil, h))
		} else {
			out = append(out, change(Opened, nil, h))
		}
	}
	for _, b := range removed {
		out = append(out, change(Closed, b, nil))
	}
	for _, p := range pairs {
		b, h := p[0], p[1]
		switch {
		case b.Acknowledged && !h.Acknowledged:
			out = append(out, change(Reopened, b, h))
		case !b.Acknowledged && h.Acknowledged:
			out = append(out, change(Acknowledged, b, h))
		case b.Acknowledged || b.Priority == h.Priority:
		case h.Priority.Rank() < b.Priority.Rank():
			c := change(Raised, b, h)
			c.BasePriority = b.Priority
			out = append(out, c)
		default:
			c := change(Lowered, b, h)
			c.BasePriority = b.Priority
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b FindingChange) int {
		return cmp.Or(cmp.Compare(slices.Index(transitions, a.Change), slices.Index(transitions, b.Change)),
			cmp.Compare(uint(a.Priority.Rank()), uint(b.Priority.Rank())), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Subject, b.Subject))
	})
	return out
}
