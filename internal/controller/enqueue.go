package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"netinventory.io/netinventory/internal/metrics"
	"netinventory.io/netinventory/internal/snapshot"
)

// debouncedEnqueuer maps an event on any source object to every
// NetworkInventory, delayed by the debounce window less the recompute lead
// (so that the status is written by the window's end). The work queue
// keeps the earliest time an item is due, so a burst of events within a
// window becomes one recompute, and a steady stream cannot postpone it.
//
// It never fails the informer that calls it: a panic while handling an
// event is recovered, counted and logged, and every inventory is enqueued
// anyway (a recompute too many is harmless, a crash loop is not).
type debouncedEnqueuer struct {
	reader   client.Reader
	debounce time.Duration
	// lead, when set, is how much earlier than the debounce the recompute
	// starts (see recomputeLead).
	lead *recomputeLead
	// everyUpdate enqueues on every update, even when nothing but the
	// resourceVersion changed (CRDs are watched as metadata only, so their
	// status changes, such as becoming Established, look like that).
	everyUpdate bool
}

var _ handler.TypedEventHandler[client.Object, reconcile.Request] = &debouncedEnqueuer{}

// enqueueAll enqueues every NetworkInventory by name. It reads the names
// from the cache without copying the inventories (their statuses are large).
func (d *debouncedEnqueuer) enqueueAll(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	names, err := inventoryNames(ctx, d.reader)
	if err != nil {
		log.FromContext(ctx).Error(err, "listing NetworkInventories to enqueue")
		return
	}
	delay := d.delay()
	for _, name := range names {
		q.AddAfter(reconcile.Request{NamespacedName: types.NamespacedName{Name: name}}, delay)
	}
}

// delay is how long after an event the inventories are due: the debounce
// less the lead.
func (d *debouncedEnqueuer) delay() time.Duration {
	return d.debounce - d.lead.get()
}

// inventoryNames lists the names of the NetworkInventories in the cache.
func inventoryNames(ctx context.Context, reader client.Reader) ([]string, error) {
	list := snapshot.NewInventoryList()
	if err := reader.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	names := make([]string, len(list.Items))
	for i := range list.Items {
		names[i] = list.Items[i].GetName()
	}
	return names, nil
}

// Create enqueues every inventory.
func (d *debouncedEnqueuer) Create(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	defer d.recoverPanic(ctx, "create", e.Object, q)
	d.enqueueAll(ctx, q)
}

// Update enqueues every inventory unless nothing but the resourceVersion
// changed (trimmed pods change that way on every kubelet status update, and
// a re-list after a reconnect replays every object unchanged).
func (d *debouncedEnqueuer) Update(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	defer d.recoverPanic(ctx, "update", e.ObjectNew, q)
	if !d.everyUpdate && onlyVersionChanged(e.ObjectOld, e.ObjectNew) {
		metrics.EventsIgnored.Inc()
		return
	}
	d.enqueueAll(ctx, q)
}

// Delete enqueues every inventory.
func (d *debouncedEnqueuer) Delete(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	defer d.recoverPanic(ctx, "delete", e.Object, q)
	d.enqueueAll(ctx, q)
}

// Generic enqueues every inventory.
func (d *debouncedEnqueuer) Generic(ctx context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	defer d.recoverPanic(ctx, "generic", e.Object, q)
	d.enqueueAll(ctx, q)
}

// recoverPanic turns a panic in an event handler into a metric, a log line
// and a recompute of every inventory.
func (d *debouncedEnqueuer) recoverPanic(ctx context.Context, op string, obj client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	r := recover()
	if r == nil {
		return
	}
	kind := fmt.Sprintf("%T", obj)
	metrics.HandlerPanics.WithLabelValues(kind).Inc()
	log.FromContext(ctx).Error(fmt.Errorf("panic: %v", r), "recovered a panic while handling a watch event; recomputing",
		"event", op, "type", kind, "object", client.ObjectKeyFromObject(obj).String())
	func() {
		defer func() { _ = recover() }() // listing may be what panicked
		d.enqueueAll(ctx, q)
	}()
}

// onlyVersionChanged reports whether two versions of an object differ in
// nothing but their resourceVersion and managedFields. It compares the
// objects' JSON forms, which every API type has (some, like Cilium's
// selectors, cannot be compared by reflection); when either cannot be
// converted it says false, so the event is not lost.
func onlyVersionChanged(oldObj, newObj client.Object) bool {
	if oldObj == nil || newObj == nil {
		return false
	}
	a, err := contentOf(oldObj)
	if err != nil {
		return false
	}
	b, err := contentOf(newObj)
	if err != nil {
		return false
	}
	return bytes.Equal(a, b)
}

// contentOf returns an object's JSON without its resourceVersion and
// managedFields, with sorted top-level and metadata keys. Only the top
// level and metadata are decoded: spec and status stay raw bytes.
func contentOf(obj client.Object) ([]byte, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, err
	}
	var md map[string]json.RawMessage
	if raw, ok := top["metadata"]; ok {
		if err := json.Unmarshal(raw, &md); err != nil {
			return nil, err
		}
	}
	delete(md, "resourceVersion")
	delete(md, "managedFields")
	if top["metadata"], err = json.Marshal(md); err != nil {
		return nil, err
	}
	return json.Marshal(top) // map keys are sorted: a canonical form
}
