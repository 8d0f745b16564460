// Package metrics holds the operator's Prometheus collectors, registered
// with the controller-runtime registry that the manager serves on /metrics.
// Labels are bounded: inventories, rules, priorities, exposures, coverage
// states and namespaces; never pods.
package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory"
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

	findings = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "netinventory_findings",
		Help: "Open (not acknowledged) findings, by priority and rule.",
	}, []string{"inventory", "priority", "rule"})
	acknowledged = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "netinventory_findings_acknowledged",
		Help: "Acknowledged findings, by priority and rule.",
	}, []string{"inventory", "priority", "rule"})
	endpoints = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "netinventory_endpoints",
		Help: "Exposed endpoints, by exposure (Public, Internal) and authentication (None, Required, Optional, Declared).",
	}, []string{"inventory", "exposure", "authentication"})
	namespaces = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "netinventory_namespaces",
		Help: "Namespaces, by policy coverage state.",
	}, []string{"inventory", "coverage"})
	podsNotIsolated = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "netinventory_pods_not_isolated",
		Help: "Running pods no policy isolates, per namespace and direction (ingress, egress); hostNetwork pods excluded.",
	}, []string{"inventory", "namespace", "direction"})

	lastSuccess = &sinceCollector{last: map[string]time.Time{}, now: time.Now, desc: prometheus.NewDesc(
		"netinventory_seconds_since_last_successful_recompute",
		"Seconds since the inventory was last recomputed successfully.", []string{"inventory"}, nil)}
)

// Label values.
const (
	ResultSuccess  = "success"
	ResultError    = "error"
	OutcomeWritten = "written"
	OutcomeSkipped = "skipped"
)

func init() {
	crmetrics.Registry.MustRegister(Recomputes, RecomputeDuration, StatusWrites, HandlerPanics, EventsIgnored, findings, acknowledged, endpoints,
		namespaces, podsNotIsolated, lastSuccess)
}

// Observe sets the gauges of one inventory from a successful recompute.
func Observe(name string, res *inventory.Result) {
	lastSuccess.mark(name)
	byInventory := prometheus.Labels{"inventory": name}
	for _, g := range []*prometheus.GaugeVec{findings, acknowledged, endpoints, namespaces, podsNotIsolated} {
		g.DeletePartialMatch(byInventory)
	}
	openByRule := map[[2]string]int{}
	ackByRule := map[[2]string]int{}
	for _, f := range res.Findings {
		key := [2]string{string(f.Priority), f.Rule}
		if f.Acknowledged {
			ackByRule[key]++
		} else {
			openByRule[key]++
		}
	}
	for k, n := range openByRule {
		findings.WithLabelValues(name, k[0], k[1]).Set(float64(n))
	}
	for k, n := range ackByRule {
		acknowledged.WithLabelValues(name, k[0], k[1]).Set(float64(n))
	}
	for _, exposure := range []v1alpha1.Exposure{v1alpha1.ExposurePublic, v1alpha1.ExposureInternal} {
		for _, mode := range []v1alpha1.AuthenticationMode{v1alpha1.AuthenticationNone, v1alpha1.AuthenticationRequired,
			v1alpha1.AuthenticationOptional, v1alpha1.AuthenticationDeclared} {
			endpoints.WithLabelValues(name, string(exposure), string(mode)).Set(0)
		}
	}
	for _, e := range res.Model.Endpoints {
		endpoints.WithLabelValues(name, string(e.Exposure), string(e.Authentication.Mode)).Inc()
	}
	for _, state := range []v1alpha1.CoverageState{v1alpha1.CoverageCovered, v1alpha1.CoveragePartial, v1alpha1.CoverageSelectedNotIsolated,
		v1alpha1.CoverageDefaultDeny, v1alpha1.CoverageHostNetworkOnly, v1alpha1.CoverageNone, v1alpha1.CoverageEmpty} {
		namespaces.WithLabelValues(name, string(state)).Set(0)
	}
	for _, ns := range res.Model.Namespaces {
		namespaces.WithLabelValues(name, string(ns.Coverage)).Inc()
		subject := ns.Pods - ns.HostNetworkPods
		podsNotIsolated.WithLabelValues(name, ns.Name, "ingress").Set(float64(subject - ns.IsolatedIngress))
		podsNotIsolated.WithLabelValues(name, ns.Name, "egress").Set(float64(subject - ns.IsolatedEgress))
	}
}

// Forget drops the series of a deleted inventory.
func Forget(name string) {
	byInventory := prometheus.Labels{"inventory": name}
	for _, g := range []*prometheus.GaugeVec{findings, acknowledged, endpoints, namespaces, podsNotIsolated} {
		g.DeletePartialMatch(byInventory)
	}
	lastSuccess.forget(name)
}

// sinceCollector reports, at scrape time, the seconds since each
// inventory's last successful recompute.
type sinceCollector struct {
	mu   sync.Mutex
	last map[string]time.Time
	now  func() time.Time
	desc *prometheus.Desc
}

func (c *sinceCollector) mark(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last[name] = c.now()
}

func (c *sinceCollector) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.last, name)
}

// Describe sends the collector's description.
func (c *sinceCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect sends one gauge per inventory.
func (c *sinceCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, t := range c.last {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, c.now().Sub(t).Seconds(), name)
	}
}
