package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/fixture"
)

func ciliumConfigSource(ni *v1alpha1.NetworkInventory) *v1alpha1.SourceStatus {
	for i := range ni.Status.Sources {
		if ni.Status.Sources[i].Name == "kube-system/cilium-config" {
			return &ni.Status.Sources[i]
		}
	}
	return nil
}

// TestCiliumEnforcementModeIsRead: without cilium-config the inventory says
// so and reads enforcement as default; with enable-policy never it reports
// the Critical finding; the mode is re-read at every recompute.
func TestCiliumEnforcementModeIsRead(t *testing.T) {
	cfg, c := startAPIServer(t, fixture.Cilium)
	startManager(t, cfg, ManagerOptions{})
	ctx := context.Background()
	createInventory(t, c, "cluster", v1alpha1.NetworkInventorySpec{})
	eventually(t, 30*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if s := ciliumConfigSource(ni); s == nil || s.Available || !strings.Contains(s.Message, "absent") {
			return fmt.Errorf("cilium-config source %+v", s)
		}
		return nil
	})
	if err := c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "cilium-config"},
		Data: map[string]string{"enable-policy": "never"}}); err != nil {
		t.Fatal(err)
	}
	// A change elsewhere brings the next recompute (the ConfigMap itself is
	// read, not watched).
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "nudge"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if s := ciliumConfigSource(ni); s == nil || !s.Available || s.Message != "enable-policy: never, enable-non-default-deny-policies: true" {
			return fmt.Errorf("cilium-config source %+v", s)
		}
		for _, f := range ni.Status.Findings.Items {
			if f.Rule == "PolicyEnforcementDisabled" && f.Priority == v1alpha1.PriorityCritical {
				return nil
			}
		}
		return fmt.Errorf("no PolicyEnforcementDisabled finding")
	})
}
