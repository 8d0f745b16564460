package scope

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/internal/snapshot"
)

func TestTunnelTarget(t *testing.T) {
	snap := &snapshot.Snapshot{
		Gateways: []gwv1.Gateway{
			{ObjectMeta: metav1.ObjectMeta{Namespace: "network", Name: "envoy-external"}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "network", Name: "lan"},
				Status: gwv1.GatewayStatus{Addresses: []gwv1.GatewayStatusAddress{{Value: "192.168.1.5"}, {Value: "192.168.1.6"}}}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "network", Name: "other"},
				Status: gwv1.GatewayStatus{Addresses: []gwv1.GatewayStatusAddress{{Value: "192.168.1.6"}}}},
		},
		Services: []corev1.Service{
			{ObjectMeta: metav1.ObjectMeta{Namespace: "network", Name: "envoy-network-external-1234", Labels: map[string]string{
				LabelOwningGatewayName: "envoy-external", LabelOwningGatewayNamespace: "network"}}, Spec: corev1.ServiceSpec{ClusterIP: "10.43.0.9"}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "blog"}},
		},
	}
	ix := newEvidenceIndex(snap, index(snap.Gateways), index(snap.Services))
	for service, want := range map[string]string{
		"https://envoy-network-external-1234.network.svc.cluster.local:443": "Gateway/network/envoy-external",
		"https://envoy-network-external-1234.network.svc:443":               "Gateway/network/envoy-external",
		"http://envoy-network-external-1234:80":                             "Gateway/network/envoy-external", // the tunnel's namespace
		"https://envoy-external.network":                                    "Gateway/network/envoy-external", // no Service: the gateway's name
		"http://blog.apps.svc.cluster.local":                                "Service/apps/blog",
		"https://10.43.0.9:443":                                             "Gateway/network/envoy-external",
		"https://192.168.1.5":                                               "Gateway/network/lan",
		"https://192.168.1.6":                                               "Gateway/network/lan Gateway/network/other", // a shared address: both
		"http_status:404":                                                   "",
		"hello_world":                                                       "",
		"https://grafana.example.com":                                       "",
		"tcp://unknown.other:22":                                            "",
		"%%not a url":                                                       "",
	} {
		if got := strings.Join(ix.tunnelTargets("network", service), " "); got != want {
			t.Errorf("tunnelTargets(%q) = %q, want %q", service, got, want)
		}
	}
}
