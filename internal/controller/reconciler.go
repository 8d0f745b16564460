// Package controller keeps NetworkInventory statuses up to date: it watches
// the source kinds, builds a Snapshot from the cache, runs the engine and
// writes the status when its content changed.
package controller

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory"
	"netinventory.io/netinventory/internal/metrics"
	"netinventory.io/netinventory/internal/snapshot"
)

// Defaults of the reconciler's timing.
const (
	DefaultDebounce     = 2 * time.Second
	DefaultResyncPeriod = 10 * time.Minute
	MinResyncPeriod     = 30 * time.Second
)

// Ready condition reasons.
const (
	ReasonInventoryComputed = "InventoryComputed"
	ReasonInvalidSpec       = "InvalidSpec"
	ReasonSourceError       = "SourceError"
)

// Reconciler recomputes NetworkInventories.
type Reconciler struct {
	// Client writes statuses and reads through the cache.
	Client client.Client
	// Debounce is the window in which events coalesce into one recompute.
	Debounce time.Duration
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// MinResync is the shortest resync period a spec may ask for;
	// MinResyncPeriod when zero.
	MinResync time.Duration
	// Recorder records Events on the inventories; none when nil.
	Recorder recorder.EventRecorder

	sources *sourceTracker
}

// SetupWithManager builds the controller and its watches.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Debounce <= 0 {
		r.Debounce = DefaultDebounce
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	enqueue := &debouncedEnqueuer{reader: mgr.GetCache(), debounce: r.Debounce}
	r.sources = newSourceTracker(mgr.GetCache(), mgr.GetRESTMapper(), enqueue)
	c, err := ctrl.NewControllerManagedBy(mgr).
		Named("networkinventory").
		For(&v1alpha1.NetworkInventory{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WatchesRawSource(source.Kind(mgr.GetCache(), client.Object(crdMetadata()), enqueue)).
		WithOptions(controller.Options{MaxConcurrentReconciles: 1}).
		Build(r)
	if err != nil {
		return err
	}
	return r.sources.startCore(c)
}

// Reconcile recomputes one NetworkInventory and writes its status when the
// content changed.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	logger := log.FromContext(ctx)
	var ni v1alpha1.NetworkInventory
	if err := r.Client.Get(ctx, req.NamespacedName, &ni); err != nil {
		if apierrors.IsNotFound(err) {
			metrics.Forget(req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	resync := r.resyncPeriod(&ni.Spec)

	desired, err := r.compute(ctx, &ni)
	if err != nil {
		return ctrl.Result{}, err
	}
	same, err := sameContent(&ni.Status, desired)
	if err != nil {
		return ctrl.Result{}, err
	}
	if same {
		metrics.StatusWrites.WithLabelValues(metrics.OutcomeSkipped).Inc()
		logger.V(1).Info("inventory unchanged, status not written")
		return ctrl.Result{RequeueAfter: resync}, nil
	}
	now := metav1.NewTime(r.Now())
	desired.LastRecomputeTime = &now
	desired.LastChangeTime = ni.Status.LastChangeTime
	if same, _ := sameInventory(&ni.Status, desired); !same || desired.LastChangeTime == nil {
		desired.LastChangeTime = &now // the content moved, not only the generation
	}
	if err := applyStatus(ctx, r.Client, ni.Name, desired); err != nil {
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			return ctrl.Result{RequeueAfter: r.Debounce}, nil // the cache catches up meanwhile
		}
		return ctrl.Result{}, err
	}
	metrics.StatusWrites.WithLabelValues(metrics.OutcomeWritten).Inc()
	recordEvents(r.Recorder, &ni, diffEvents(&ni.Status, desired))
	logger.Info("status written", "endpoints", desired.Summary.Endpoints, "namespaces", desired.Summary.Namespaces,
		"findings", desired.Findings.Total)
	return ctrl.Result{RequeueAfter: resync}, nil
}

// compute returns the status the inventory should have now. A failure to
// read the sources or an invalid spec keeps the last inventory and turns
// Ready False.
func (r *Reconciler) compute(ctx context.Context, ni *v1alpha1.NetworkInventory) (*v1alpha1.NetworkInventoryStatus, error) {
	versions, err := r.sources.refresh(ctx)
	if err != nil {
		return r.notReady(ni, ReasonSourceError, err), nil
	}
	start := time.Now()
	snap, err := snapshot.FromReader(ctx, r.Client, versions)
	if err != nil {
		metrics.Recomputes.WithLabelValues(metrics.ResultError).Inc()
		return nil, err // the cache failing is worth a retry with backoff
	}
	res, err := inventory.Compute(snap, &ni.Spec, r.Now())
	if err != nil {
		return r.notReady(ni, ReasonInvalidSpec, err), nil
	}
	metrics.RecomputeDuration.Observe(time.Since(start).Seconds())
	metrics.Recomputes.WithLabelValues(metrics.ResultSuccess).Inc()
	metrics.Observe(ni.Name, res)
	st := res.Status
	st.ObservedGeneration = ni.Generation
	ready := metav1.Condition{
		Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: ReasonInventoryComputed,
		Message: fmt.Sprintf("inventory of %d namespaces, %d gateways, %d endpoints", st.Summary.Namespaces,
			st.Summary.Gateways, st.Summary.Endpoints),
	}
	st.Conditions = mergeConditions(ni.Status.Conditions, ni.Generation, append(res.Conditions, ready)...)
	return &st, nil
}

// notReady keeps the last computed inventory and sets Ready False.
func (r *Reconciler) notReady(ni *v1alpha1.NetworkInventory, reason string, err error) *v1alpha1.NetworkInventoryStatus {
	metrics.Recomputes.WithLabelValues(metrics.ResultError).Inc()
	st := ni.Status.DeepCopy()
	st.ObservedGeneration = ni.Generation
	st.Conditions = mergeConditions(st.Conditions, ni.Generation, metav1.Condition{
		Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: reason, Message: err.Error(),
	})
	return st
}

func (r *Reconciler) resyncPeriod(spec *v1alpha1.NetworkInventorySpec) time.Duration {
	if spec.ResyncPeriod == nil {
		return DefaultResyncPeriod
	}
	floor := r.MinResync
	if floor <= 0 {
		floor = MinResyncPeriod
	}
	return max(spec.ResyncPeriod.Duration, floor)
}
