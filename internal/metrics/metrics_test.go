package metrics

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory"
	"netinventory.io/netinventory/internal/inventory/model"
)

func result() *inventory.Result {
	return &inventory.Result{
		Model: &model.Model{
			Endpoints: []v1alpha1.EndpointEntry{
				{Exposure: v1alpha1.ExposurePublic, Authentication: v1alpha1.Authentication{Mode: v1alpha1.AuthenticationNone}},
				{Exposure: v1alpha1.ExposurePublic, Authentication: v1alpha1.Authentication{Mode: v1alpha1.AuthenticationRequired}},
			},
			Namespaces: []v1alpha1.NamespaceEntry{{Name: "a", Coverage: v1alpha1.CoverageNone, Pods: 4, HostNetworkPods: 1, IsolatedIngress: 1}},
		},
		Findings: []v1alpha1.Finding{
			{Rule: "PublicEndpointWithoutAuthentication", Priority: v1alpha1.PriorityCritical},
			{Rule: "NamespaceWithoutPolicies", Priority: v1alpha1.PriorityHigh},
			{Rule: "NamespaceWithoutPolicies", Priority: v1alpha1.PriorityHigh, Acknowledged: true},
		},
	}
}

// exposition is what a scrape of the collector shows after result() was
// observed for inventory test 90 seconds ago: every series, zeros included.
const exposition = `
# HELP netinventory_endpoints Exposed endpoints, by exposure (Public, Internal) and authentication (None, Unknown, Required, Optional, Declared).
# TYPE netinventory_endpoints gauge
netinventory_endpoints{authentication="Declared",exposure="Internal",inventory="test"} 0
netinventory_endpoints{authentication="Declared",exposure="Public",inventory="test"} 0
netinventory_endpoints{authentication="None",exposure="Internal",inventory="test"} 0
netinventory_endpoints{authentication="None",exposure="Public",inventory="test"} 1
netinventory_endpoints{authentication="Optional",exposure="Internal",inventory="test"} 0
netinventory_endpoints{authentication="Optional",exposure="Public",inventory="test"} 0
netinventory_endpoints{authentication="Required",exposure="Internal",inventory="test"} 0
netinventory_endpoints{authentication="Required",exposure="Public",inventory="test"} 1
netinventory_endpoints{authentication="Unknown",exposure="Internal",inventory="test"} 0
netinventory_endpoints{authentication="Unknown",exposure="Public",inventory="test"} 0
# HELP netinventory_findings Open (not acknowledged) findings, by priority and rule.
# TYPE netinventory_findings gauge
netinventory_findings{inventory="test",priority="Critical",rule="PublicEndpointWithoutAuthentication"} 1
netinventory_findings{inventory="test",priority="High",rule="NamespaceWithoutPolicies"} 1
# HELP netinventory_findings_acknowledged Acknowledged findings, by priority and rule.
# TYPE netinventory_findings_acknowledged gauge
netinventory_findings_acknowledged{inventory="test",priority="High",rule="NamespaceWithoutPolicies"} 1
# HELP netinventory_namespaces Namespaces, by policy coverage state.
# TYPE netinventory_namespaces gauge
netinventory_namespaces{coverage="Covered",inventory="test"} 0
netinventory_namespaces{coverage="DefaultDeny",inventory="test"} 0
netinventory_namespaces{coverage="Empty",inventory="test"} 0
netinventory_namespaces{coverage="HostNetworkOnly",inventory="test"} 0
netinventory_namespaces{coverage="None",inventory="test"} 1
netinventory_namespaces{coverage="Partial",inventory="test"} 0
netinventory_namespaces{coverage="SelectedNotIsolated",inventory="test"} 0
# HELP netinventory_namespaces_not_isolated Namespaces with running pods none of which a policy isolates in either direction, selected by policies or not.
# TYPE netinventory_namespaces_not_isolated gauge
netinventory_namespaces_not_isolated{inventory="test"} 1
# HELP netinventory_pods_not_isolated Running pods no policy isolates, per namespace and direction (ingress, egress); hostNetwork pods excluded.
# TYPE netinventory_pods_not_isolated gauge
netinventory_pods_not_isolated{direction="egress",inventory="test",namespace="a"} 3
netinventory_pods_not_isolated{direction="ingress",inventory="test",namespace="a"} 2
# HELP netinventory_seconds_since_last_successful_recompute Seconds since the inventory was last recomputed successfully.
# TYPE netinventory_seconds_since_last_successful_recompute gauge
netinventory_seconds_since_last_successful_recompute{inventory="test"} 90
`

// clock is a settable time for a collector.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestObserve(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)}
	c := newInventoryCollector(clk.now)
	c.observe("test", result())
	clk.t = clk.t.Add(90 * time.Second)
	if err := testutil.CollectAndCompare(c, strings.NewReader(exposition)); err != nil {
		t.Error(err)
	}

	// A later recompute replaces the series: a resolved finding goes away.
	res := result()
	res.Findings = res.Findings[1:]
	c.observe("test", res)
	if n := testutil.CollectAndCount(c, "netinventory_findings"); n != 1 {
		t.Errorf("after the fix only one finding series remains, got %d", n)
	}
	if n := testutil.CollectAndCount(c, "netinventory_seconds_since_last_successful_recompute"); n != 1 {
		t.Errorf("one age series, got %d", n)
	}

	c.forget("test")
	if n := testutil.CollectAndCount(c); n != 0 {
		t.Errorf("a deleted inventory leaves no series: %d", n)
	}
}

// TestTheManagerServesTheInventoryGauges: Observe and Forget act on the
// collector of the registry the manager serves.
func TestTheManagerServesTheInventoryGauges(t *testing.T) {
	count := func() int {
		families, err := crmetrics.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range families {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "inventory" && l.GetValue() == "served" {
						n++
					}
				}
			}
		}
		return n
	}
	Observe("served", result())
	// 2 findings, 1 acknowledged, 10 endpoints (2 exposures x 5
	// authentication modes), 7 namespaces, 2 pods, 1 age.
	if n := count(); n != 24 {
		t.Errorf("the manager's registry serves %d series of the inventory, want 24", n)
	}
	Forget("served")
	if n := count(); n != 0 {
		t.Errorf("after Forget the registry still serves %d series of the inventory", n)
	}
}

// TestAScrapeDuringARecomputeSeesEverySeries observes in a loop while
// scraping: no scrape may catch an inventory without its series.
func TestAScrapeDuringARecomputeSeesEverySeries(t *testing.T) {
	c := newInventoryCollector(time.Now)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	fewer := result()
	fewer.Findings = fewer.Findings[:1]
	fewer.Model.Namespaces = nil
	c.observe("busy", result())

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i%2 == 0 {
				c.observe("busy", fewer)
			} else {
				c.observe("busy", result())
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	for range 500 {
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		series := map[string]int{}
		for _, f := range families {
			series[f.GetName()] = len(f.GetMetric())
		}
		if series["netinventory_endpoints"] != 10 || series["netinventory_namespaces"] != 7 ||
			series["netinventory_seconds_since_last_successful_recompute"] != 1 || series["netinventory_findings"] < 1 {
			t.Fatalf("a scrape during a recompute saw %v", series)
		}
	}
}
