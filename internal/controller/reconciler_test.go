package controller

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/fixture"
	"netinventory.io/netinventory/internal/metrics"
)

var homelab = filepath.Join(moduleRoot, "test", "fixtures", "homelab")

func namespaceEntry(ni *v1alpha1.NetworkInventory, name string) *v1alpha1.NamespaceEntry {
	for i := range ni.Status.Namespaces.Items {
		if ni.Status.Namespaces.Items[i].Name == name {
			return &ni.Status.Namespaces.Items[i]
		}
	}
	return nil
}

func serviceEntry(ni *v1alpha1.NetworkInventory, namespace, name string) *v1alpha1.ServiceEntry {
	for i := range ni.Status.Services.Items {
		if s := &ni.Status.Services.Items[i]; s.Namespace == namespace && s.Name == name {
			return s
		}
	}
	return nil
}

// TestStatusFollowsTheCluster: the status appears once objects exist and
// follows their changes.
func TestStatusFollowsTheCluster(t *testing.T) {
	cfg, c := startAPIServer(t, fixture.GatewayAPI, fixture.EnvoyGateway, fixture.Cilium, fixture.ExternalDNS, fixture.Flux)
	startManager(t, cfg, ManagerOptions{})
	ctx := context.Background()
	applyFixture(t, c, homelab) // includes the NetworkInventory "cluster"

	ni := eventually(t, 30*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if err := ready(ni); err != nil {
			return err
		}
		if ni.Status.Summary.Gateways != 2 || ni.Status.Summary.Pods != 97 {
			return fmt.Errorf("summary %+v", ni.Status.Summary)
		}
		return nil
	})
	if ns := namespaceEntry(ni, "monitoring"); ns == nil || ns.Pods != 25 || ns.HostNetworkPods != 3 {
		t.Errorf("monitoring: %+v", ns)
	}
	if cond := meta.FindStatusCondition(ni.Status.Conditions, v1alpha1.ConditionSourcesAvailable); cond == nil || cond.Status != metav1.ConditionTrue {
		t.Errorf("all sources are installed: %+v", cond)
	}

	// A new namespace with a running pod.
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "newcomer"}}); err != nil {
		t.Fatal(err)
	}
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "newcomer", Name: "app"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "example/app:1"}}}}
	if err := c.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	if err := c.Status().Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if ns := namespaceEntry(ni, "newcomer"); ns == nil || ns.Pods != 1 {
			return fmt.Errorf("newcomer: %+v", ns)
		}
		return nil
	})

	// The pod completes: terminal pods do not count.
	p.Status.Phase = corev1.PodSucceeded
	if err := c.Status().Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if ns := namespaceEntry(ni, "newcomer"); ns == nil || ns.Pods != 0 {
			return fmt.Errorf("newcomer: %+v", ns)
		}
		return nil
	})

	// A gateway goes away.
	gw := &gwv1.Gateway{ObjectMeta: metav1.ObjectMeta{Namespace: "network", Name: "envoy-internal"}}
	if err := c.Delete(ctx, gw); err != nil {
		t.Fatal(err)
	}
	ni = eventually(t, 10*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if ni.Status.Summary.Gateways != 1 || ni.Status.Gateways.Items[0].Name != "envoy-external" {
			return fmt.Errorf("gateways %+v", ni.Status.Gateways)
		}
		return nil
	})

	// A spec change is observed: the generation moves and so does the status.
	// (a patch: the manager may be writing the status meanwhile)
	if err := c.Patch(ctx, ni, client.RawPatch(types.MergePatchType,
		[]byte(`{"spec":{"namespaceSelector":{"matchLabels":{"`+corev1.LabelMetadataName+`":"monitoring"}}}}`))); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if err := ready(ni); err != nil {
			return err
		}
		if ni.Status.Summary.Namespaces != 1 || ni.Status.Summary.Pods != 25 {
			return fmt.Errorf("summary %+v", ni.Status.Summary)
		}
		return nil
	})
	// What the status no longer holds is gone from the object, not left
	// behind by the apply; the status has one owner, the operator's apply.
	ni = &v1alpha1.NetworkInventory{}
	if err := c.Get(ctx, client.ObjectKey{Name: "cluster"}, ni); err != nil {
		t.Fatal(err)
	}
	if len(ni.Status.Endpoints.Items) != 0 || ni.Status.Endpoints.Total != 0 || len(ni.Status.Gateways.Items) != 0 {
		t.Errorf("endpoints and gateways outside the selected namespace are still in the status: %d endpoints, %d gateways",
			len(ni.Status.Endpoints.Items), len(ni.Status.Gateways.Items))
	}
	var owners []string
	for _, m := range ni.ManagedFields {
		if m.Subresource == "status" {
			owners = append(owners, fmt.Sprintf("%s/%s", m.Manager, m.Operation))
		}
	}
	if !slices.Equal(owners, []string{FieldOwner + "/" + string(metav1.ManagedFieldsOperationApply)}) {
		t.Errorf("status managers: %v", owners)
	}
}

// TestStatusNotRewrittenWhenUnchanged: recomputes that find nothing new,
// from resyncs or from changes the inventory does not show, leave the
// object as it is.
func TestStatusNotRewrittenWhenUnchanged(t *testing.T) {
	cfg, c := startAPIServer(t, fixture.GatewayAPI, fixture.EnvoyGateway, fixture.Cilium, fixture.ExternalDNS, fixture.Flux)
	startManager(t, cfg, ManagerOptions{MinResync: time.Second, Resync: time.Second})
	ctx := context.Background()
	applyFixture(t, c, homelab)
	// The manager's 1 s resync applies once the spec sets none; a patch, as
	// the manager may be writing the status meanwhile.
	ni := &v1alpha1.NetworkInventory{ObjectMeta: metav1.ObjectMeta{Name: "cluster"}}
	if err := c.Patch(ctx, ni, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"resyncPeriod":null}}`))); err != nil {
		t.Fatal(err)
	}
	first := eventually(t, 30*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if err := ready(ni); err != nil {
			return err
		}
		if ni.Status.Summary.Pods != 97 {
			return fmt.Errorf("summary %+v", ni.Status.Summary)
		}
		return nil
	})
	// Let the initial burst settle into its final status.
	time.Sleep(2 * time.Second)
	if err := c.Get(ctx, client.ObjectKey{Name: "cluster"}, first); err != nil {
		t.Fatal(err)
	}
	recomputes := testutil.ToFloat64(metrics.Recomputes.WithLabelValues(metrics.ResultSuccess))
	skipped := testutil.ToFloat64(metrics.StatusWrites.WithLabelValues(metrics.OutcomeSkipped))

	// A change the inventory does not show: a Service annotation.
	var svc corev1.Service
	if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "echo"}, &svc); err != nil {
		t.Fatal(err)
	}
	svc.Annotations = map[string]string{"example.com/owner": "team-a"}
	if err := c.Update(ctx, &svc); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second) // the change's recompute and a few 1 s resyncs

	var after v1alpha1.NetworkInventory
	if err := c.Get(ctx, client.ObjectKey{Name: "cluster"}, &after); err != nil {
		t.Fatal(err)
	}
	if after.ResourceVersion != first.ResourceVersion {
		t.Errorf("status rewritten with no change: resourceVersion %s -> %s", first.ResourceVersion, after.ResourceVersion)
	}
	gotRecomputes := testutil.ToFloat64(metrics.Recomputes.WithLabelValues(metrics.ResultSuccess)) - recomputes
	gotSkipped := testutil.ToFloat64(metrics.StatusWrites.WithLabelValues(metrics.OutcomeSkipped)) - skipped
	if gotRecomputes < 3 || gotSkipped < 3 {
		t.Errorf("want at least 3 recomputes, all skipped writes, in 4 s with a 1 s resync: %v recomputes, %v skipped", gotRecomputes, gotSkipped)
	}

	// And a real change is still written.
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace("default")); err != nil || len(pods.Items) == 0 {
		t.Fatalf("pods in default: %v %d", err, len(pods.Items))
	}
	// No kubelet confirms a graceful deletion here: delete at once.
	if err := c.Delete(ctx, &pods.Items[0], client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, c, "cluster", func(ni *v1alpha1.NetworkInventory) error {
		if ns := namespaceEntry(ni, "default"); ns == nil || ns.Pods != 0 {
			return fmt.Errorf("default: %+v", ns)
		}
		if ni.ResourceVersion == first.ResourceVersion || ni.Status.LastChangeTime.Before(first.Status.LastChangeTime) {
			return fmt.Errorf("not rewritten, or lastChangeTime went back")
		}
		return nil
	})
}
