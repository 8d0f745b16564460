package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
}
