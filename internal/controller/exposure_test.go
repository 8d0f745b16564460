package controller

import (
	"context"
	"fmt"
	"testing"
	"time"

	egv1a1 "github.com/envoyproxy/gateway/api/v1alpha1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/fixture"
)

func endpointEntry(ni *v1alpha1.NetworkInventory, hostname string) *v1alpha1.EndpointEntry {
	for i := range ni.Status.Endpoints.Items {
		if ni.Status.Endpoints.Items[i].Hostname == hostname {
			return &ni.Status.Endpoints.Items[i]
		}
	}
	return nil
}

func hasFinding(ni *v1alpha1.NetworkInventory, rule, subject string) bool {
	for _, f := range ni.Status.Findings.Items {
		if f.Rule == rule && f.Subject == subject && !f.Acknowledged {
			return true
		}
	}
	return false
}

// TestEndpointsFollowPolicies: the endpoints' authentication and the
// UnauthenticatedPublicEndpoints condition follow SecurityPolicies and
// route labels as they change.
func TestEndpointsFollowPolicies(t *testing.T) {
	cfg, c := startAPIServer(t, fixture.GatewayAPI, fixture.EnvoyGateway, fixture.Cilium, fixture.ExternalDNS, fixture.Flux)
	startManager(t, cfg, ManagerOptions{})
	ctx := context.Background()
	applyFixture(t, c, homelab)

	eventually(t, 30*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		cond := meta.FindStatusCondition(ni.Status.Conditions, v1alpha1.ConditionUnauthenticatedPublicEndpoints)
		if cond == nil || cond.Status != metav1.ConditionTrue || cond.Message != "public endpoints without authentication (1): echo.matherly.net" {
			return fmt.Errorf("condition %+v", cond)
		}
		if ni.Status.Summary.Endpoints != 10 || ni.Status.Summary.UnauthenticatedPublicEndpoints != 1 {
			return fmt.Errorf("summary %+v", ni.Status.Summary)
		}
		return nil
	})

	// Basic auth on the echo route: every public endpoint is now guarded.
	sp := &egv1a1.SecurityPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "echo-basic"},
		Spec: egv1a1.SecurityPolicySpec{
			PolicyTargetReferences: egv1a1.PolicyTargetReferences{TargetRefs: []gwv1.LocalPolicyTargetReferenceWithSectionName{{
				LocalPolicyTargetReference: gwv1.LocalPolicyTargetReference{Group: gwv1.GroupName, Kind: "HTTPRoute", Name: "echo"}}}},
			BasicAuth: &egv1a1.BasicAuth{Users: gwv1.SecretObjectReference{Name: "echo-users"}},
		},
	}
	if err := c.Create(ctx, sp); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		cond := meta.FindStatusCondition(ni.Status.Conditions, v1alpha1.ConditionUnauthenticatedPublicEndpoints)
		if cond == nil || cond.Status != metav1.ConditionFalse {
			return fmt.Errorf("condition %+v", cond)
		}
		if e := endpointEntry(ni, "echo.matherly.net"); e == nil || e.Authentication.Mode != v1alpha1.AuthenticationRequired ||
			e.Authentication.Policy != "default/echo-basic" {
			return fmt.Errorf("echo %+v", e)
		}
		return nil
	})

	// The grafana route loses the label the OIDC policy selects it by.
	var grafana gwv1.HTTPRoute
	if err := c.Get(ctx, client.ObjectKey{Namespace: "network", Name: "grafana"}, &grafana); err != nil {
		t.Fatal(err)
	}
	delete(grafana.Labels, "security")
	if err := c.Update(ctx, &grafana); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if e := endpointEntry(ni, "grafana.matherly.net"); e == nil || e.Authentication.Mode != v1alpha1.AuthenticationNone {
			return fmt.Errorf("grafana %+v", e)
		}
		if !hasFinding(ni, "InternalEndpointWithoutAuthentication", "grafana.matherly.net") {
			return fmt.Errorf("no finding for grafana")
		}
		return nil
	})

	// The echo route is removed: its endpoint disappears.
	if err := c.Delete(ctx, &gwv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "echo"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if endpointEntry(ni, "echo.matherly.net") != nil || ni.Status.Summary.Endpoints != 9 {
			return fmt.Errorf("endpoints %d", ni.Status.Summary.Endpoints)
		}
		if !hasFinding(ni, "SecurityPolicyTargetsNothing", "default/echo-basic") {
			return fmt.Errorf("the policy now targets nothing")
		}
		return nil
	})
}
