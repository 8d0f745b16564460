package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/controller"
	"netinventory.io/netinventory/internal/fixture"
	"netinventory.io/netinventory/internal/testenv"
)

func runManager(t *testing.T, env *testenv.Env) {
	t.Helper()
	mgr, err := controller.NewManager(env.Config, controller.ManagerOptions{Debounce: 200 * time.Millisecond, SkipNameValidation: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func findingKeys(fs []v1alpha1.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s %s", f.Priority, f.Rule, f.Subject, f.Message))
	}
	return out
}

// TestReportFromALiveClusterMatchesTheAudit runs the manager on a real API
// server with the homelab fixture, renders `report` from it, and checks the
// offline audit of the same manifests finds the same gaps.
func TestReportFromALiveClusterMatchesTheAudit(t *testing.T) {
	env := testenv.Start(t, "../..", fixture.GatewayAPI, fixture.EnvoyGateway, fixture.Cilium, fixture.ExternalDNS, fixture.Flux)
	runManager(t, env)
	env.Apply(t, homelab)

	var live v1alpha1.NetworkInventory
	testenv.Eventually(t, 30*time.Second, func() error {
		live = v1alpha1.NetworkInventory{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Name: "cluster"}, &live); err != nil {
			return err
		}
		if c := meta.FindStatusCondition(live.Status.Conditions, v1alpha1.ConditionReady); c == nil || c.Status != "True" ||
			live.Status.Summary.Pods != 97 || live.Status.Summary.Gateways != 2 || live.Status.Summary.NetworkPolicies != 25 {
			return errors.New("inventory not complete yet")
		}
		return nil
	})
	time.Sleep(time.Second) // let the last events of the burst land

	out, errOut, code := run(t, "", "report", "--kubeconfig", env.Kubeconfig, "-o", "json")
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	var reported v1alpha1.NetworkInventory
	if err := json.Unmarshal([]byte(out), &reported); err != nil {
		t.Fatal(err)
	}
	md, _, code := run(t, "", "report", "cluster", "--kubeconfig", env.Kubeconfig)
	if code != 0 || !strings.Contains(md, "## Gaps and Recommendations") || !strings.Contains(md, "`echo.matherly.net`") {
		t.Errorf("markdown report from the cluster: exit %d\n%.400s", code, md)
	}

	auditOut, _, _ := run(t, "", "audit", "-f", homelab, "-o", "json", "--fail-on", "none")
	var audited v1alpha1.NetworkInventory
	if err := json.Unmarshal([]byte(auditOut), &audited); err != nil {
		t.Fatal(err)
	}
	got, want := findingKeys(reported.Status.Findings.Items), findingKeys(audited.Status.Findings.Items)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the controller and the audit disagree on the same objects:\ncontroller:\n%s\naudit:\n%s",
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if reported.Status.Summary.Endpoints != audited.Status.Summary.Endpoints ||
		reported.Status.Summary.NotIsolatedNamespaces != audited.Status.Summary.NotIsolatedNamespaces {
		t.Errorf("summaries differ: %+v vs %+v", reported.Status.Summary, audited.Status.Summary)
	}
	liveReach, _ := json.Marshal(reachabilities(reported.Status.Endpoints.Items))
	auditReach, _ := json.Marshal(reachabilities(audited.Status.Endpoints.Items))
	if string(liveReach) != string(auditReach) {
		t.Errorf("endpoint reachability differs:\ncontroller: %s\naudit:      %s", liveReach, auditReach)
	}

	// reach answers the same from the cluster as from the manifests.
	for _, args := range [][]string{{"gateway:network/envoy-external", "ai-system/litellm:4000"}, {"cluster", "ai-system/litellm:4000"},
		{"cluster", "monitoring/grafana:3000"}} {
		liveOut, liveErr, liveCode := run(t, "", append([]string{"reach", "--kubeconfig", env.Kubeconfig}, args...)...)
		fileOut, _, fileCode := run(t, "", append([]string{"reach", "-f", homelab}, args...)...)
		if liveCode != fileCode || liveOut != fileOut || liveOut == "" {
			t.Errorf("reach %v: live (exit %d) and from manifests (exit %d) differ:\n%s%s\n%s", args, liveCode, fileCode, liveOut, liveErr, fileOut)
		}
	}
}

// reachabilities lists the endpoints' reachability, by hostname.
func reachabilities(items []v1alpha1.EndpointEntry) map[string]*v1alpha1.EndpointReachability {
	out := map[string]*v1alpha1.EndpointReachability{}
	for _, e := range items {
		out[e.Hostname+"|"+e.Route.Namespace+"/"+e.Route.Name] = e.Reachability
	}
	return out
}
