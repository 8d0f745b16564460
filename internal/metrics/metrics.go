// Package metrics holds the operator's Prometheus collectors, registered
// with the controller-runtime registry that the manager serves on /metrics.
// Labels are bounded: inventories, rules, priorities, exposures, coverage
// states and namespaces; never pods.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	// Recomputes counts inventory recomputes, by result (success, error).
	Recomputes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "netinventory_recomputes_total",
		Help: "Inventory recomputes, by result.",
	}, []string{"result"})

	// RecomputeDuration observes how long a recompute takes, from reading
	// the cache to the status decision.
	RecomputeDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "netinventory_recompute_duration_seconds",
		Help:    "Time to recompute an inventory: snapshot from the cache and engine.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
	})

	// DebounceLead is how much earlier than the debounce window's end a
	// recompute starts, so that its status is written by then: the longest
	// of the last recomputes, at most half the window.
	DebounceLead = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "netinventory_debounce_lead_seconds",
		Help: "How long before the end of the debounce window a recompute starts: the longest of the last recomputes and status writes, at most half the window.",
	})

	// StatusWrites counts status writes, by outcome: written, or skipped
	// because the content was unchanged.
	StatusWrites = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "netinventory_status_writes_total",
		Help: "NetworkInventory status writes, by outcome (written, skipped when unchanged).",
	}, []string{"outcome"})

	// HandlerPanics counts panics recovered while handling watch events, by
	// the Go type of the object; each is logged and the event still leads
	// to a recompute.
	HandlerPanics = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "netinventory_event_handler_panics_total",
		Help: "Panics recovered while handling watch events, by object type.",
	}, []string{"type"})

	// EventsIgnored counts watch updates in which nothing but the
	// resourceVersion changed (re-lists, status writes of fields not read).
	EventsIgnored = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "netinventory_watch_updates_ignored_total",
		Help: "Watch updates ignored because nothing but the resourceVersion changed.",
	})
)

// Label values.
const (
	ResultSuccess  = "success"
	ResultError    = "error"
	OutcomeWritten = "written"
	OutcomeSkipped = "skipped"
)

func init() {
	crmetrics.Registry.MustRegister(Recomputes, RecomputeDuration, DebounceLead, StatusWrites, HandlerPanics, EventsIgnored, inventories)
}
