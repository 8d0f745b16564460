package controller

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"netinventory.io/netinventory/api/v1alpha1"
)

// debouncedEnqueuer maps an event on any source object to every
// NetworkInventory, delayed by the debounce window. The work queue keeps the
// earliest time an item is due, so a burst of events within a window becomes
// one recompute at its end, and a steady stream cannot postpone it.
type debouncedEnqueuer struct {
	reader   client.Reader
	debounce time.Duration
}

var _ handler.TypedEventHandler[client.Object, reconcile.Request] = &debouncedEnqueuer{}

func (d *debouncedEnqueuer) enqueueAll(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	var list v1alpha1.NetworkInventoryList
	if err := d.reader.List(ctx, &list); err != nil {
		log.FromContext(ctx).Error(err, "listing NetworkInventories to enqueue")
		return
	}
	for i := range list.Items {
		q.AddAfter(reconcile.Request{NamespacedName: types.NamespacedName{Name: list.Items[i].Name}}, d.debounce)
	}
}

// Create enqueues every inventory.
func (d *debouncedEnqueuer) Create(ctx context.Context, _ event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	d.enqueueAll(ctx, q)
}

// Update enqueues every inventory unless nothing but the resourceVersion
// changed (trimmed pods change that way on every kubelet status update).
func (d *debouncedEnqueuer) Update(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	if onlyVersionChanged(e.ObjectOld, e.ObjectNew) {
		return
	}
	d.enqueueAll(ctx, q)
}

// Delete enqueues every inventory.
func (d *debouncedEnqueuer) Delete(ctx context.Context, _ event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	d.enqueueAll(ctx, q)
}

// Generic enqueues every inventory.
func (d *debouncedEnqueuer) Generic(ctx context.Context, _ event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	d.enqueueAll(ctx, q)
}

func onlyVersionChanged(oldObj, newObj client.Object) bool {
	if oldObj == nil || newObj == nil {
		return false
	}
	a, b := oldObj.DeepCopyObject().(client.Object), newObj.DeepCopyObject().(client.Object)
	a.SetResourceVersion("")
	b.SetResourceVersion("")
	a.SetManagedFields(nil)
	b.SetManagedFields(nil)
	return equality.Semantic.DeepEqual(a, b)
}
