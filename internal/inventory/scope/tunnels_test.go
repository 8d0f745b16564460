package scope

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	externaldnsv1a1 "netinventory.io/netinventory/internal/externaldns/v1alpha1"
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
	ix := newEvidenceIndex(snap, tunnelPodsOf(snap.Pods), index(snap.Gateways), index(snap.Services))
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

// CNAME loops, long chains and empty records end the walk; the gateway
// keeps the default.
func TestDNSEvidenceEndsOnLoopsAndChains(t *testing.T) {
	records := []*externaldnsv1a1.Endpoint{nil,
		{DNSName: "a.example.com", RecordType: "CNAME", Targets: []string{"b.example.com."}},
		{DNSName: "B.example.com", RecordType: "CNAME", Targets: []string{"a.example.com"}},
	}
	for i := range 50 {
		records = append(records, &externaldnsv1a1.Endpoint{DNSName: fmt.Sprintf("c%d.example.com", i), RecordType: "CNAME",
			Targets: []string{fmt.Sprintf("c%d.example.com", i+1)}})
	}
	records = append(records, &externaldnsv1a1.Endpoint{DNSName: "c50.example.com", RecordType: "A", Targets: []string{"203.0.113.9"}})
	snap := &snapshot.Snapshot{
		DNSEndpoints: []externaldnsv1a1.DNSEndpoint{{ObjectMeta: metav1.ObjectMeta{Namespace: "net", Name: "loop"},
			Spec: externaldnsv1a1.DNSEndpointSpec{Endpoints: records}}},
		Gateways: []gwv1.Gateway{
			{ObjectMeta: metav1.ObjectMeta{Namespace: "net", Name: "loop", Annotations: map[string]string{annotationDNSTarget: "a.example.com"}}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "net", Name: "chain", Annotations: map[string]string{annotationDNSTarget: "c0.example.com"}}},
		},
	}
	c := &Classifier{def: v1alpha1.ExposurePublic, decisions: map[string]Decision{}}
	c.decideAll(snap, tunnelPodsOf(snap.Pods), index(snap.Gateways), index(snap.Services), true)
	for _, gw := range snap.Gateways {
		if d := c.Decide(KindGateway, &gw); d.Source != ExposureFromDefault {
			t.Errorf("%s: %+v, want the default: a loop and a chain beyond %d CNAMEs decide nothing", gw.Name, d, maxDNSDepth)
		}
	}
}

// tunnelPodsOf returns the pods that run a tunnel (runsTunnel).
func tunnelPodsOf(pods []*snapshot.Pod) []*snapshot.Pod {
	var out []*snapshot.Pod
	for _, p := range pods {
		if runsTunnel(p) {
			out = append(out, p)
		}
	}
	return out
}
