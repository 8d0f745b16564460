package metrics

import (
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory"
)

// The per-inventory gauges; the first label of each is the inventory.
var (
	findingsDesc = prometheus.NewDesc("netinventory_findings",
		"Open (not acknowledged) findings, by priority and rule.", []string{"inventory", "priority", "rule"}, nil)
	acknowledgedDesc = prometheus.NewDesc("netinventory_findings_acknowledged",
		"Acknowledged findings, by priority and rule.", []string{"inventory", "priority", "rule"}, nil)
	endpointsDesc = prometheus.NewDesc("netinventory_endpoints",
		"Exposed endpoints, by exposure (Public, Internal) and authentication (None, Unknown, Required, Optional, Declared).",
		[]string{"inventory", "exposure", "authentication"}, nil)
	namespacesDesc = prometheus.NewDesc("netinventory_namespaces",
		"Namespaces, by policy coverage state.", []string{"inventory", "coverage"}, nil)
	podsNotIsolatedDesc = prometheus.NewDesc("netinventory_pods_not_isolated",
		"Running pods no policy isolates, per namespace and direction (ingress, egress); hostNetwork pods excluded.",
		[]string{"inventory", "namespace", "direction"}, nil)
	namespacesNotIsolatedDesc = prometheus.NewDesc("netinventory_namespaces_not_isolated",
		"Namespaces with running pods none of which a policy isolates in either direction, selected by policies or not.",
		[]string{"inventory"}, nil)
	sinceDesc = prometheus.NewDesc("netinventory_seconds_since_last_successful_recompute",
		"Seconds since the inventory was last recomputed successfully.", []string{"inventory"}, nil)
)

// inventories is the collector the manager's registry scrapes.
var inventories = newInventoryCollector(time.Now)

// Observe records the numbers of a successful recompute of an inventory;
// they replace the last ones at once, so a scrape sees either.
func Observe(name string, res *inventory.Result) { inventories.observe(name, res) }

// Forget drops the series of a deleted inventory.
func Forget(name string) { inventories.forget(name) }

// sample is one series of an inventory: its gauge, the label values after
// the inventory's, and the value.
type sample struct {
	desc   *prometheus.Desc
	labels []string
	value  float64
}

// observation is what one recompute contributes to the metrics. It is not
// changed once built.
type observation struct {
	at      time.Time
	samples []sample
}

// inventoryCollector emits, when scraped, the numbers of each inventory's
// last successful recompute.
type inventoryCollector struct {
	now  func() time.Time
	mu   sync.Mutex
	last map[string]*observation
}

func newInventoryCollector(now func() time.Time) *inventoryCollector {
	return &inventoryCollector{now: now, last: map[string]*observation{}}
}

func (c *inventoryCollector) observe(name string, res *inventory.Result) {
	o := &observation{at: c.now(), samples: samplesOf(res)}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last[name] = o
}

func (c *inventoryCollector) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.last, name)
}

// Describe sends the descriptions of the per-inventory gauges.
func (c *inventoryCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{findingsDesc, acknowledgedDesc, endpointsDesc, namespacesDesc, namespacesNotIsolatedDesc,
		podsNotIsolatedDesc, sinceDesc} {
		ch <- d
	}
}

// Collect sends the series of every inventory observed and not forgotten.
func (c *inventoryCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	last := make(map[string]*observation, len(c.last))
	for name, o := range c.last {
		last[name] = o
	}
	c.mu.Unlock()
	now := c.now()
	for name, o := range last {
		for _, s := range o.samples {
			ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, s.value, append([]string{name}, s.labels...)...)
		}
		ch <- prometheus.MustNewConstMetric(sinceDesc, prometheus.GaugeValue, now.Sub(o.at).Seconds(), name)
	}
}

// samplesOf computes the series of a recompute: findings open and
// acknowledged by priority and rule (only those that exist), endpoints by
// exposure and authentication and namespaces by coverage (every value the
// API lists, zero or not, and any other that occurs), and the pods not
// isolated per namespace and direction.
func samplesOf(res *inventory.Result) []sample {
	open, acked := newTally(findingsDesc), newTally(acknowledgedDesc)
	for _, f := range res.Findings {
		t := open
		if f.Acknowledged {
			t = acked
		}
		t.add(1, string(f.Priority), f.Rule)
	}
	endpoints := newTally(endpointsDesc)
	for _, e := range v1alpha1.Exposures {
		for _, m := range v1alpha1.AuthenticationModes {
			endpoints.add(0, string(e), string(m))
		}
	}
	for _, e := range res.Model.Endpoints {
		endpoints.add(1, string(e.Exposure), string(e.Authentication.Mode))
	}
	namespaces, notIsolated := newTally(namespacesDesc), newTally(podsNotIsolatedDesc)
	for _, s := range v1alpha1.CoverageStates {
		namespaces.add(0, string(s))
	}
	for _, ns := range res.Model.Namespaces {
		namespaces.add(1, string(ns.Coverage))
		subject := ns.Pods - ns.HostNetworkPods
		notIsolated.set(float64(subject-ns.IsolatedIngress), ns.Name, "ingress")
		notIsolated.set(float64(subject-ns.IsolatedEgress), ns.Name, "egress")
	}
	var out []sample
	for _, t := range []*tally{open, acked, endpoints, namespaces, notIsolated} {
		out = append(out, t.samples...)
	}
	leftOpen := 0
	for _, ns := range res.Model.Namespaces {
		if ns.Coverage == v1alpha1.CoverageNone || ns.Coverage == v1alpha1.CoverageSelectedNotIsolated {
			leftOpen++
		}
	}
	out = append(out, sample{desc: namespacesNotIsolatedDesc, value: float64(leftOpen)})
	return out
}

// tally builds the samples of one gauge, one per label set, in the order
// the label sets first appear.
type tally struct {
	desc    *prometheus.Desc
	index   map[string]int
	samples []sample
}

func newTally(desc *prometheus.Desc) *tally { return &tally{desc: desc, index: map[string]int{}} }

// at returns the sample of a label set, added with value 0 if new.
func (t *tally) at(labels []string) *sample {
	key := strings.Join(labels, "\x00")
	i, ok := t.index[key]
	if !ok {
		i = len(t.samples)
		t.index[key] = i
		t.samples = append(t.samples, sample{desc: t.desc, labels: labels})
	}
	return &t.samples[i]
}

func (t *tally) add(v float64, labels ...string) { t.at(labels).value += v }

func (t *tally) set(v float64, labels ...string) { t.at(labels).value = v }
