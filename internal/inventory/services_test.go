package inventory

import (
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
)

func TestServiceNodePorts(t *testing.T) {
	svc := func(name, typ, extra string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: %s, namespace: net, labels: {gateway.envoyproxy.io/owning-gateway-name: edge, gateway.envoyproxy.io/owning-gateway-namespace: gw}}
spec: {type: %s, %s ports: [{port: 443, nodePort: 31443}]}
status: {loadBalancer: {ingress: [{ip: 203.0.113.10}]}}`, name, typ, extra)
	}
	spec := &v1alpha1.NetworkInventorySpec{Exposure: v1alpha1.ExposureSpec{Default: v1alpha1.ExposureInternal, Rules: []v1alpha1.ExposureRule{
		{Exposure: v1alpha1.ExposurePublic, Gateways: []v1alpha1.NamespacedName{{Namespace: "gw", Name: "edge"}}}}}}
	res := compute(t, spec, gateway("Same"),
		svc("lb", "LoadBalancer", ""),
		svc("lb-without-nodeports", "LoadBalancer", "allocateLoadBalancerNodePorts: false,"),
		svc("np", "NodePort", ""),
		`apiVersion: v1
kind: Service
metadata: {name: internal-only, namespace: net}
spec: {ports: [{port: 80}]}`)
	got := map[string]v1alpha1.ServiceEntry{}
	for _, s := range res.Status.Services.Items {
		got[s.Name] = s
	}
	if len(got) != 3 {
		t.Fatalf("only LoadBalancer and NodePort Services: %+v", res.Status.Services.Items)
	}
	if got["lb"].Ports[0].NodePort != 31443 || got["lb-without-nodeports"].Ports[0].NodePort != 0 {
		t.Errorf("a LoadBalancer opens node ports unless allocateLoadBalancerNodePorts is false: %+v", got)
	}
	if got["lb"].ExternalAddresses[0] != "203.0.113.10" {
		t.Errorf("external address from the status: %+v", got["lb"])
	}
	if got["lb"].Exposure != v1alpha1.ExposurePublic {
		t.Errorf("an Envoy Gateway proxy Service takes its Gateway's exposure: %s", got["lb"].Exposure)
	}
	if s := res.Status.Summary; s.LoadBalancerServices != 2 || s.NodePortServices != 2 {
		t.Errorf("summary: %+v", s)
	}
}

func TestAcknowledgements(t *testing.T) {
	docs := []string{gateway("Same"), gwService, routeInGW("")}
	res := compute(t, nil, docs...)
	if res.Status.Summary.Findings.Critical != 1 || conditionOf(res.Conditions, v1alpha1.ConditionUnauthenticatedPublicEndpoints) != "True" {
		t.Fatalf("an open public endpoint: %+v %+v", res.Status.Summary.Findings, res.Conditions)
	}
	ack := func(expires time.Time) *v1alpha1.NetworkInventorySpec {
		return &v1alpha1.NetworkInventorySpec{Acknowledgements: []v1alpha1.Acknowledgement{{
			Rule: "PublicEndpointWithoutAuthentication", Subject: "web.example.com", Reason: "public status page",
			Expires: &metav1.Time{Time: expires}}}}
	}
	res = compute(t, ack(goldenNow.Add(time.Hour)), docs...)
	f := res.Status.Findings.Items[len(res.Status.Findings.Items)-1]
	if !f.Acknowledged || f.AcknowledgedReason != "public status page" || res.Status.Summary.Findings.Critical != 0 ||
		res.Status.Summary.Findings.Acknowledged != 1 {
		t.Errorf("acknowledged: kept, marked, last, not counted: %+v %+v", f, res.Status.Summary.Findings)
	}
	if conditionOf(res.Conditions, v1alpha1.ConditionUnauthenticatedPublicEndpoints) != "False" ||
		conditionOf(res.Conditions, v1alpha1.ConditionCriticalFindings) != "False" {
		t.Errorf("an acknowledged finding raises no condition: %+v", res.Conditions)
	}
	res = compute(t, ack(goldenNow.Add(-time.Hour)), docs...)
	if res.Status.Summary.Findings.Critical != 1 {
		t.Errorf("an expired acknowledgement no longer applies: %+v", res.Status.Summary.Findings)
	}
}

func TestConditionMessagesNameTheWorst(t *testing.T) {
	var docs []string
	docs = append(docs, gateway("Same"), gwService)
	for i := range 7 {
		docs = append(docs, fmt.Sprintf(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r%d, namespace: gw}
spec:
  parentRefs: [{name: edge, sectionName: https}]
  hostnames: [h%d.example.com]
  rules: [{backendRefs: [{name: web, port: 8080}]}]`, i, i))
	}
	res := compute(t, nil, docs...)
	for _, c := range res.Conditions {
		if c.Type == v1alpha1.ConditionUnauthenticatedPublicEndpoints {
			want := "public endpoints without authentication (7): h0.example.com, h1.example.com, h2.example.com, h3.example.com, h4.example.com and 2 more"
			if c.Status != "True" || c.Reason != ReasonUnauthenticatedPublicEndpoints || c.Message != want {
				t.Errorf("got %+v", c)
			}
		}
	}
}

// conditionOf returns a condition's status, or Unknown when absent.
func conditionOf(conds []metav1.Condition, t string) string {
	if c := meta.FindStatusCondition(conds, t); c != nil {
		return string(c.Status)
	}
	return string(metav1.ConditionUnknown)
}
