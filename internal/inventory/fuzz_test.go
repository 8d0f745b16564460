package inventory

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
)

// FuzzCompute runs the engine on whatever the loader makes of arbitrary
// manifests: it may find every kind of gap, but must never panic.
func FuzzCompute(f *testing.F) {
	for _, seed := range []string{
		gateway("All") + "\n---\n" + appNamespace + "\n---\n" + appService + "\n---\n" + httpRoute("app", "r", ""),
		routeInGW("") + "\n---\n" + securityPolicy("gw", "p", 1, toRouteRule, basicAuth),
		cnp("a", "c", "  endpointSelector: {matchLabels: {k8s:app: web}}\n  ingress: [{}]") + "\n---\n" + podYAML("a", "p", "app: web", false),
		np("a", "p", "  podSelector: {matchExpressions: [{key: app, operator: In, values: [web]}]}\n  egress: [{}]"),
		ccnp("c", "  endpointSelector: {matchLabels: {io.cilium.k8s.namespace.labels.team: x}}\n  egressDeny: [{toEntities: [world]}]"),
	} {
		f.Add([]byte(seed))
	}
	// Whole scenarios: gateways, routes, backends, pods and policies
	// together, for the reachability phase.
	for _, name := range []string{"reach-load-balancer-service-bypasses-gateway", "reach-backend-admitting-only-other-namespaces-breaks-route",
		"cilium-deny-rules-counted-and-shown"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "test", "scenarios", name, "input.yaml"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l := &snapshot.Loader{}
		l.AddReader("fuzz.yaml", bytes.NewReader(data))
		snap, _ := l.Snapshot()
		if _, err := Compute(snap, &v1alpha1.NetworkInventorySpec{}, goldenNow); err != nil {
			t.Fatalf("an empty spec is always valid: %v", err)
		}
	})
}
