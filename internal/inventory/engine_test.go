package inventory

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
)

func objMeta(ns, name string, labels, annotations map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels, Annotations: annotations}
}

func pod(ns, name string, phase corev1.PodPhase, hostNetwork bool) *snapshot.Pod {
	return &snapshot.Pod{PodMeta: snapshot.PodMeta{Namespace: ns, Name: name}, Spec: snapshot.PodSpec{HostNetwork: hostNetwork},
		Status: snapshot.PodStatus{Phase: phase}}
}

func TestNamespacePodCounts(t *testing.T) {
	snap := &snapshot.Snapshot{
		Namespaces: []corev1.Namespace{{ObjectMeta: objMeta("", "a", map[string]string{"team": "a"}, nil)}},
		Pods: []*snapshot.Pod{
			pod("a", "running", corev1.PodRunning, false),
			pod("a", "pending", corev1.PodPending, false),
			pod("a", "host", corev1.PodRunning, true),
			pod("a", "done", corev1.PodSucceeded, false),
			pod("a", "failed", corev1.PodFailed, false),
			pod("implied", "p", corev1.PodRunning, false),
		},
	}
	res, err := Compute(snap, &v1alpha1.NetworkInventorySpec{}, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	items := res.Status.Namespaces.Items
	if len(items) != 2 || items[0].Name != "a" || items[1].Name != "implied" {
		t.Fatalf("a namespace only objects name is implied: %+v", items)
	}
	if items[0].Pods != 3 || items[0].HostNetworkPods != 1 {
		t.Errorf("Running and Pending count, terminal pods do not, hostNetwork apart: %+v", items[0])
	}

	spec := &v1alpha1.NetworkInventorySpec{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}}
	res, err = Compute(snap, spec, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Status.Namespaces.Items) != 1 || res.Status.Summary.Pods != 3 {
		t.Errorf("the namespace selector scopes the inventory: %+v", res.Status.Namespaces.Items)
	}
	// An implied namespace carries the metadata.name label, as on a cluster.
	spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: "implied"}}
	res, _ = Compute(snap, spec, goldenNow)
	if len(res.Status.Namespaces.Items) != 1 || res.Status.Namespaces.Items[0].Name != "implied" {
		t.Errorf("selecting by kubernetes.io/metadata.name: %+v", res.Status.Namespaces.Items)
	}
}

func TestInvalidNamespaceSelectorIsAnError(t *testing.T) {
	spec := &v1alpha1.NetworkInventorySpec{NamespaceSelector: &metav1.LabelSelector{
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Near"}}}}
	if _, err := Compute(&snapshot.Snapshot{}, spec, goldenNow); err == nil {
		t.Fatal("an invalid namespace selector must be reported, not ignored")
	}
}

func TestListsAreCappedWithTotals(t *testing.T) {
	snap := &snapshot.Snapshot{}
	for i := range 7 {
		snap.Namespaces = append(snap.Namespaces, corev1.Namespace{ObjectMeta: objMeta("", fmt.Sprintf("ns-%d", i), nil, nil)})
	}
	res, err := Compute(snap, &v1alpha1.NetworkInventorySpec{Limits: v1alpha1.Limits{MaxItemsPerList: ptr.To[int32](3)}}, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	l := res.Status.Namespaces
	if len(l.Items) != 3 || l.Total != 7 || !l.Truncated || res.Status.Summary.Namespaces != 7 {
		t.Errorf("want 3 of 7 listed, truncated, summary 7: got %d of %d truncated=%v summary %d",
			len(l.Items), l.Total, l.Truncated, res.Status.Summary.Namespaces)
	}
	if l.Items[0].Name != "ns-0" || l.Items[2].Name != "ns-2" {
		t.Errorf("the first items in order are kept: %+v", l.Items)
	}
}

func TestMissingSourcesCondition(t *testing.T) {
	snap := &snapshot.Snapshot{}
	for _, src := range snapshot.Sources {
		snap.Sources = append(snap.Sources, snapshot.SourceState{Source: src, Available: !src.Optional, Version: src.Versions[0]})
	}
	res, err := Compute(snap, &v1alpha1.NetworkInventorySpec{}, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Conditions[0]
	if c.Type != v1alpha1.ConditionSourcesAvailable || c.Status != metav1.ConditionFalse || c.Reason != ReasonSourcesMissing {
		t.Fatalf("got %+v", c)
	}
	if want := "Gateway.gateway.networking.k8s.io, HTTPRoute.gateway.networking.k8s.io"; !strings.Contains(c.Message, want) || !strings.Contains(c.Message, "and 6 more") {
		t.Errorf("the message names the first missing sources and counts the rest: %q", c.Message)
	}
	for _, s := range res.Status.Sources {
		if s.Available == (s.Group == "gateway.networking.k8s.io" || s.Group == "cilium.io" || s.Group == "gateway.envoyproxy.io" ||
			s.Group == "externaldns.k8s.io" || s.Group == "helm.toolkit.fluxcd.io" || s.Group == "notification.toolkit.fluxcd.io") {
			t.Errorf("source %s available=%v", s.Kind, s.Available)
		}
	}
}
