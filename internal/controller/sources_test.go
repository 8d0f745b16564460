package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/fixture"
)

func sourceStatus(ni *v1alpha1.NetworkInventory, kind string) *v1alpha1.SourceStatus {
	for i := range ni.Status.Sources {
		if ni.Status.Sources[i].Kind == kind {
			return &ni.Status.Sources[i]
		}
	}
	return nil
}

// TestOptionalSourcesAppearWithoutRestart: without the Gateway API, Envoy
// Gateway and Cilium CRDs the manager runs and says they are missing; once
// they are installed it reads them, with no restart.
func TestOptionalSourcesAppearWithoutRestart(t *testing.T) {
	cfg, c := startAPIServer(t) // our CRD only
	startManager(t, cfg, ManagerOptions{})
	ctx := context.Background()
	createInventory(t, c, "cluster", v1alpha1.NetworkInventorySpec{})

	eventually(t, 30*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if err := ready(ni); err != nil {
			return err
		}
		cond := meta.FindStatusCondition(ni.Status.Conditions, v1alpha1.ConditionSourcesAvailable)
		if cond == nil || cond.Status != metav1.ConditionFalse || cond.Reason != "SourcesMissing" ||
			!strings.Contains(cond.Message, "Gateway.gateway.networking.k8s.io") {
			return fmt.Errorf("SourcesAvailable: %+v", cond)
		}
		for _, kind := range []string{"Gateway", "SecurityPolicy", "CiliumNetworkPolicy"} {
			if s := sourceStatus(ni, kind); s == nil || s.Available {
				return fmt.Errorf("%s: %+v", kind, s)
			}
		}
		if s := sourceStatus(ni, "Pod"); s == nil || !s.Available {
			return fmt.Errorf("core kinds are always there: %+v", s)
		}
		return nil
	})

	paths, err := fixture.CRDPaths(moduleRoot, fixture.GatewayAPI, fixture.EnvoyGateway, fixture.Cilium, fixture.ExternalDNS, fixture.Flux)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{Paths: paths, ErrorIfPathMissing: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "network"}}); err != nil {
		t.Fatal(err)
	}
	gw := &gwv1.Gateway{
		ObjectMeta: metav1.ObjectMeta{Namespace: "network", Name: "edge"},
		Spec: gwv1.GatewaySpec{GatewayClassName: "envoy", Listeners: []gwv1.Listener{
			{Name: "https", Port: 443, Protocol: gwv1.HTTPSProtocolType},
		}},
	}
	if err := c.Create(ctx, gw); err != nil {
		t.Fatal(err)
	}
	cnp := &ciliumv2.CiliumNetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "network", Name: "deny-all"},
		Spec:       &api.Rule{EndpointSelector: api.WildcardEndpointSelector, Ingress: []api.IngressRule{{}}},
	}
	if err := c.Create(ctx, cnp); err != nil {
		t.Fatal(err)
	}

	eventually(t, 30*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		cond := meta.FindStatusCondition(ni.Status.Conditions, v1alpha1.ConditionSourcesAvailable)
		if cond == nil || cond.Status != metav1.ConditionTrue {
			return fmt.Errorf("SourcesAvailable: %+v", cond)
		}
		if ni.Status.Summary.Gateways != 1 || ni.Status.Gateways.Items[0].Name != "edge" {
			return fmt.Errorf("gateways %+v", ni.Status.Gateways)
		}
		if s := sourceStatus(ni, "CiliumNetworkPolicy"); s == nil || !s.Available || s.Count != 1 || s.Version != "v2" {
			return fmt.Errorf("CiliumNetworkPolicy source %+v", s)
		}
		if ns := namespaceEntry(ni, "network"); ns == nil || ns.CiliumPolicies != 1 {
			return fmt.Errorf("network namespace %+v", ns)
		}
		for _, kind := range []string{"DNSEndpoint", "HelmRelease", "Receiver", "ClientTrafficPolicy"} {
			if s := sourceStatus(ni, kind); s == nil || !s.Available {
				return fmt.Errorf("%s source %+v", kind, s)
			}
		}
		return nil
	})

	// The Cilium CRDs and external-dns's are removed: their kinds are
	// missing again (an evidence kind without making SourcesAvailable
	// False), the rest goes on.
	for _, name := range []string{"ciliumnetworkpolicies.cilium.io", "ciliumclusterwidenetworkpolicies.cilium.io", "dnsendpoints.externaldns.k8s.io"} {
		crd := &unstructured.Unstructured{}
		crd.SetGroupVersionKind(crdMetadata().GroupVersionKind())
		crd.SetName(name)
		if err := c.Delete(ctx, crd); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 60*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		cond := meta.FindStatusCondition(ni.Status.Conditions, v1alpha1.ConditionSourcesAvailable)
		if cond == nil || cond.Status != metav1.ConditionFalse || !strings.Contains(cond.Message, "CiliumNetworkPolicy.cilium.io") ||
			strings.Contains(cond.Message, "Gateway.") {
			return fmt.Errorf("SourcesAvailable: %+v", cond)
		}
		if ns := namespaceEntry(ni, "network"); ns == nil || ns.CiliumPolicies != 0 || ni.Status.Summary.Gateways != 1 {
			return fmt.Errorf("network namespace %+v, gateways %d", ns, ni.Status.Summary.Gateways)
		}
		if strings.Contains(cond.Message, "DNSEndpoint") {
			return fmt.Errorf("an evidence kind counts as a missing source: %s", cond.Message)
		}
		if s := sourceStatus(ni, "DNSEndpoint"); s == nil || s.Available {
			return fmt.Errorf("DNSEndpoint source %+v", s)
		}
		return nil
	})
}
