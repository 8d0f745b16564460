package exposure

import (
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/internal/inventory/scope"
)

func TestGatewayAddressesStatusFirst(t *testing.T) {
	gw := &gwv1.Gateway{
		Spec:   gwv1.GatewaySpec{Addresses: []gwv1.GatewaySpecAddress{{Value: "10.0.0.1"}}},
		Status: gwv1.GatewayStatus{Addresses: []gwv1.GatewayStatusAddress{{Value: "203.0.113.7"}}},
	}
	if got := scope.GatewayAddresses(gw); len(got) != 1 || got[0] != "203.0.113.7" {
		t.Errorf("status addresses come first: %v", got)
	}
	gw.Status.Addresses = nil
	if got := scope.GatewayAddresses(gw); len(got) != 1 || got[0] != "10.0.0.1" {
		t.Errorf("spec addresses without status: %v", got)
	}
}

func TestListenerAllowedRoutes(t *testing.T) {
	from := func(f gwv1.FromNamespaces) *gwv1.AllowedRoutes {
		return &gwv1.AllowedRoutes{Namespaces: &gwv1.RouteNamespaces{From: &f}}
	}
	sel := from(gwv1.NamespacesFromSelector)
	sel.Namespaces.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}
	tests := []struct {
		l         gwv1.Listener
		wantNS    string
		wantKinds string
	}{
		{gwv1.Listener{Protocol: gwv1.HTTPSProtocolType}, "Same", "[HTTPRoute GRPCRoute]"},
		{gwv1.Listener{Protocol: gwv1.HTTPProtocolType, AllowedRoutes: from(gwv1.NamespacesFromAll)}, "All", "[HTTPRoute GRPCRoute]"},
		{gwv1.Listener{Protocol: gwv1.TLSProtocolType, AllowedRoutes: sel}, "Selector(team=a)", "[TLSRoute]"},
		{gwv1.Listener{Protocol: gwv1.TLSProtocolType, TLS: &gwv1.ListenerTLSConfig{Mode: ptr.To(gwv1.TLSModeTerminate)}}, "Same", "[TCPRoute]"},
		{gwv1.Listener{Protocol: gwv1.HTTPProtocolType, AllowedRoutes: &gwv1.AllowedRoutes{Kinds: []gwv1.RouteGroupKind{{Kind: "HTTPRoute"}}}}, "Same", "[HTTPRoute]"},
		{gwv1.Listener{Protocol: gwv1.UDPProtocolType}, "Same", "[UDPRoute]"},
	}
	for _, tt := range tests {
		e := listenerEntry(tt.l)
		if e.AllowedNamespaces != tt.wantNS || fmt.Sprint(e.AllowedKinds) != tt.wantKinds {
			t.Errorf("%s: got %s %v, want %s %s", tt.l.Protocol, e.AllowedNamespaces, e.AllowedKinds, tt.wantNS, tt.wantKinds)
		}
	}
}
