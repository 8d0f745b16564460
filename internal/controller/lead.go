package controller

import (
	"sync"
	"time"

	"netinventory.io/netinventory/internal/metrics"
)

// leadSamples is how many of the last recomputes the lead looks at.
const leadSamples = 16

// leadMargin is how much longer than the longest recent recompute the
// lead is, in percent: the recompute's own time varies with the load, and
// the lead does not see the event reaching the manager or the written
// status reaching watchers.
const leadMargin = 25

// recomputeLead makes the debounce window a deadline: a change's status is
// to be written within the window, not a recompute and a status write after
// it. Events are due at the debounce less the lead, the longest of the
// last recomputes (cache to status written) and a margin, at most half the
// debounce, so bursts still coalesce for at least half the window and
// there is still at most one recompute per window.
type recomputeLead struct {
	mu     sync.Mutex
	recent [leadSamples]time.Duration
	next   int
	limit  time.Duration
}

// newRecomputeLead returns a lead of at most half of debounce.
func newRecomputeLead(debounce time.Duration) *recomputeLead {
	return &recomputeLead{limit: debounce / 2}
}

// observe records how long a recompute took, until its status was written
// (or found unchanged).
func (l *recomputeLead) observe(took time.Duration) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recent[l.next] = took
	l.next = (l.next + 1) % leadSamples
	metrics.DebounceLead.Set(l.leadLocked().Seconds())
}

// get returns the lead: the longest recent recompute and the margin, at
// most the limit; zero before any (and for a nil lead).
func (l *recomputeLead) get() time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.leadLocked()
}

func (l *recomputeLead) leadLocked() time.Duration {
	longest := time.Duration(0)
	for _, d := range l.recent {
		longest = max(longest, d)
	}
	return min(longest+longest*leadMargin/100, l.limit)
}
