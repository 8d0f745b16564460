package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

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

func TestObserve(t *testing.T) {
	Observe("test", result())
	for _, c := range []struct {
		g    *prometheus.GaugeVec
		lv   []string
		want float64
	}{
		{findings, []string{"test", "Critical", "PublicEndpointWithoutAuthentication"}, 1},
		{findings, []string{"test", "High", "NamespaceWithoutPolicies"}, 1},
		{acknowledged, []string{"test", "High", "NamespaceWithoutPolicies"}, 1},
		{endpoints, []string{"test", "Public", "None"}, 1},
		{endpoints, []string{"test", "Internal", "None"}, 0},
		{namespaces, []string{"test", "None"}, 1},
		{podsNotIsolated, []string{"test", "a", "ingress"}, 2},
		{podsNotIsolated, []string{"test", "a", "egress"}, 3},
	} {
		if got := testutil.ToFloat64(c.g.WithLabelValues(c.lv...)); got != c.want {
			t.Errorf("%v: %v, want %v", c.lv, got, c.want)
		}
	}
	// A later recompute replaces the series: a resolved finding goes away.
	res := result()
	res.Findings = res.Findings[1:]
	Observe("test", res)
	if n := testutil.CollectAndCount(findings, "netinventory_findings"); n != 1 {
		t.Errorf("after the fix only one finding series remains, got %d", n)
	}
	lastSuccess.now = func() time.Time { return time.Now().Add(90 * time.Second) }
	defer func() { lastSuccess.now = time.Now }()
	want := "netinventory_seconds_since_last_successful_recompute"
	if err := testutil.CollectAndCompare(lastSuccess, strings.NewReader(""), want); err == nil {
		t.Error("the age series exists")
	}
	if v := testutil.ToFloat64(lastSuccess); v < 89 || v > 120 {
		t.Errorf("age %v", v)
	}
	Forget("test")
	if n := testutil.CollectAndCount(findings); n != 0 {
		t.Errorf("a deleted inventory leaves no series: %d", n)
	}
}
