package controller

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"netinventory.io/netinventory/internal/metrics"
)

// TestLeadIsTheLongestRecentRecomputeWithinHalfTheWindow: events are due at
// the debounce less the longest of the last recomputes, never less than
// half the debounce; an old long recompute ages out.
func TestLeadIsTheLongestRecentRecomputeWithinHalfTheWindow(t *testing.T) {
	d := &debouncedEnqueuer{debounce: 2 * time.Second}
	if got := d.delay(); got != 2*time.Second {
		t.Fatalf("without a lead: due after %s, want the debounce", got)
	}
	d.lead = newRecomputeLead(d.debounce)
	if got := d.delay(); got != 2*time.Second {
		t.Fatalf("before any recompute: due after %s, want the debounce", got)
	}
	d.lead.observe(300 * time.Millisecond)
	d.lead.observe(100 * time.Millisecond)
	if got := d.delay(); got != 1625*time.Millisecond {
		t.Errorf("after recomputes of 300 and 100 ms: due after %s, want 1.625s (300 ms and a quarter)", got)
	}
	if got := testutil.ToFloat64(metrics.DebounceLead); got != 0.375 {
		t.Errorf("lead metric %v, want 0.375", got)
	}
	d.lead.observe(5 * time.Second)
	if got := d.delay(); got != time.Second {
		t.Errorf("after a 5 s recompute: due after %s, want half the debounce", got)
	}
	for range leadSamples {
		d.lead.observe(50 * time.Millisecond)
	}
	if got := d.delay(); got != 1937500*time.Microsecond {
		t.Errorf("after %d recomputes of 50 ms: due after %s, want 1.9375s", leadSamples, got)
	}
	var none *recomputeLead
	none.observe(time.Second) // a reconciler built without SetupWithManager
	if none.get() != 0 {
		t.Error("a nil lead is not zero")
	}
}
