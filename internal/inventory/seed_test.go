package inventory

import (
	"slices"
	"testing"

	"netinventory.io/netinventory/api/v1alpha1"
)

// The seed document's tables, as the homelab fixture reproduces its
// cluster. These tests check the engine's output against them row by row.

func TestSeedGatewaysTable(t *testing.T) {
	res := computeFixture(t, "homelab")
	type row struct {
		name, namespace, address, purpose string
		exposure                          v1alpha1.Exposure
		ports                             []int32
	}
	want := []row{
		{"envoy-external", "network", "192.168.22.90", "Public-facing services (via Cloudflare Tunnel)", v1alpha1.ExposurePublic, []int32{80, 443}},
		{"envoy-internal", "network", "192.168.22.80", "Internal services (VPN/LAN access only)", v1alpha1.ExposureInternal, []int32{80, 443}},
	}
	got := res.Status.Gateways.Items
	if len(got) != len(want) || res.Status.Gateways.Total != int32(len(want)) {
		t.Fatalf("want %d gateways, got %d (total %d)", len(want), len(got), res.Status.Gateways.Total)
	}
	for i, w := range want {
		g := got[i]
		var ports []int32
		for _, l := range g.Listeners {
			ports = append(ports, l.Port)
		}
		if g.Name != w.name || g.Namespace != w.namespace || !slices.Equal(g.Addresses, []string{w.address}) ||
			g.Purpose != w.purpose || g.Exposure != w.exposure || !slices.Equal(ports, w.ports) || g.Programmed != "True" {
			t.Errorf("gateway %d: got %+v, want %+v", i, g, w)
		}
	}
}

func TestSeedPodsPerNamespace(t *testing.T) {
	res := computeFixture(t, "homelab")
	// The seed's "Running Pods" column. Its kube-system and monitoring
	// counts include hostNetwork pods, which the inventory counts apart.
	want := map[string]int32{
		"ai-system": 11, "cache": 1, "cert-manager": 3, "cnpg-system": 2, "csi-proxmox": 4, "default": 1,
		"dragonfly-operator-system": 1, "flux-system": 5, "identity": 3, "kube-system": 31, "monitoring": 25,
		"network": 8, "obot-mcp": 0, "storage": 1, "system-upgrade": 1,
	}
	wantCNP := map[string]int32{"ai-system": 7, "cache": 1, "cnpg-system": 2, "identity": 2, "obot-mcp": 1, "storage": 1}
	wantNP := map[string]int32{"ai-system": 8, "identity": 1, "obot-mcp": 1, "storage": 1}
	seen := 0
	for _, ns := range res.Status.Namespaces.Items {
		pods, ok := want[ns.Name]
		if !ok {
			continue
		}
		seen++
		if ns.Pods != pods || ns.CiliumPolicies != wantCNP[ns.Name] || ns.NetworkPolicies != wantNP[ns.Name] {
			t.Errorf("%s: %d pods, %d CNPs, %d NPs; the seed has %d, %d, %d", ns.Name, ns.Pods, ns.CiliumPolicies,
				ns.NetworkPolicies, pods, wantCNP[ns.Name], wantNP[ns.Name])
		}
	}
	if seen != len(want) {
		t.Errorf("only %d of the seed's %d namespaces are in the inventory", seen, len(want))
	}
	if res.Status.Summary.Pods != 97 {
		t.Errorf("the terminal pods (a Succeeded job pod, a Failed evicted pod) must not count: %d pods", res.Status.Summary.Pods)
	}
}
