package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/policy/api"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/fixture"
)

// TestCoverageFollowsPolicies: a namespace's coverage state and the
// UncoveredNamespaces condition change as a policy is added and removed.
func TestCoverageFollowsPolicies(t *testing.T) {
	cfg, c := startAPIServer(t, fixture.GatewayAPI, fixture.EnvoyGateway, fixture.Cilium, fixture.ExternalDNS, fixture.Flux)
	startManager(t, cfg, ManagerOptions{})
	ctx := context.Background()
	applyFixture(t, c, homelab)

	uncovered := func(ni *v1alpha1.NetworkInventory) *metav1.Condition {
		return meta.FindStatusCondition(ni.Status.Conditions, v1alpha1.ConditionNamespacesNotIsolated)
	}
	eventually(t, 30*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		ns := namespaceEntry(ni, "cert-manager")
		cond := uncovered(ni)
		if ns == nil || ns.Coverage != v1alpha1.CoverageNone || ni.Status.Summary.NotIsolatedNamespaces != 9 ||
			cond == nil || cond.Status != metav1.ConditionTrue || !strings.Contains(cond.Message, "cert-manager") {
			return fmt.Errorf("cert-manager %+v, condition %+v, uncovered %d", ns, cond, ni.Status.Summary.NotIsolatedNamespaces)
		}
		return nil
	})

	deny := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "cert-manager", Name: "default-deny"},
		Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}},
	}
	if err := c.Create(ctx, deny); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		ns := namespaceEntry(ni, "cert-manager")
		cond := uncovered(ni)
		if ns == nil || ns.Coverage != v1alpha1.CoverageCovered || ns.IsolatedIngress != 3 || ns.NetworkPolicies != 1 {
			return fmt.Errorf("cert-manager %+v", ns)
		}
		if ni.Status.Summary.NotIsolatedNamespaces != 8 || cond == nil || strings.Contains(cond.Message, "cert-manager") {
			return fmt.Errorf("condition %+v", cond)
		}
		if hasFinding(ni, "NamespaceWithoutPolicies", "cert-manager") {
			return fmt.Errorf("finding still open")
		}
		return nil
	})

	if err := c.Delete(ctx, deny); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		ns := namespaceEntry(ni, "cert-manager")
		if ns == nil || ns.Coverage != v1alpha1.CoverageNone || !hasFinding(ni, "NamespaceWithoutPolicies", "cert-manager") {
			return fmt.Errorf("cert-manager %+v", ns)
		}
		return nil
	})

	// A clusterwide policy selecting the pods of namespaces by a label:
	// labelling the namespace, its pods and the policies the same objects,
	// isolates its pods; taking the label off frees them again.
	ccnp := &ciliumv2.CiliumClusterwideNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "isolate-labelled"},
		Spec: &api.Rule{EndpointSelector: api.NewESFromK8sLabelSelector("", &slimv1.LabelSelector{MatchLabels: map[string]slimv1.MatchLabelsValue{
			"io.cilium.k8s.namespace.labels.isolate": "yes"}}),
			Ingress: []api.IngressRule{{IngressCommonRule: api.IngressCommonRule{FromEntities: api.EntitySlice{api.EntityCluster}}}}}}
	if err := c.Create(ctx, ccnp); err != nil {
		t.Fatal(err)
	}
	label := func(value string) {
		t.Helper()
		ns := &corev1.Namespace{}
		if err := c.Get(ctx, client.ObjectKey{Name: "cert-manager"}, ns); err != nil {
			t.Fatal(err)
		}
		if value == "" {
			delete(ns.Labels, "isolate")
		} else {
			ns.Labels["isolate"] = value
		}
		if err := c.Update(ctx, ns); err != nil {
			t.Fatal(err)
		}
	}
	isolatedIngress := func(want int32) {
		t.Helper()
		eventually(t, 10*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
			if ns := namespaceEntry(ni, "cert-manager"); ns == nil || ns.IsolatedIngress != want {
				return fmt.Errorf("cert-manager %+v, want %d pods isolated for ingress", ns, want)
			}
			return nil
		})
	}
	label("yes")
	isolatedIngress(3)
	label("")
	isolatedIngress(0)
}
