// Package controller keeps NetworkInventory statuses up to date: it watches
// the source kinds, builds a Snapshot from the cache, runs the engine and
// writes the status when its content changed.
package controller

import (
	"cmp"
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log"
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
	// ReasonStatusRejected is the Event recorded when the API server
	// refuses an inventory's status.
	ReasonStatusRejected = "StatusRejected"
)

// Reconciler recomputes NetworkInventories.
type Reconciler struct {
	// Client writes statuses and reads through the cache.
	Client client.Client
	// Debounce is the window within which a change's status is written:
	// events coalesce into one recompute that starts the recompute lead
	// before its end (see recomputeLead).
	Debounce time.Duration
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// MinResync is the shortest resync period a spec may ask for;
	// MinResyncPeriod when zero.
	MinResync time.Duration
	// Resync is the resync period of an inventory whose spec sets none;
	// DefaultResyncPeriod when zero.
	Resync time.Duration
	// Recorder records Events on the inventories; none when nil.
	Recorder recorder.EventRecorder
	// APIReader reads from the API server directly (the cilium-config
	// ConfigMap); Cilium's enforcement mode is not read when nil.
	APIReader client.Reader
	// CiliumNamespace holds cilium-config; DefaultCiliumNamespace when empty.
	CiliumNamespace string

	sources *sourceTracker
	lead    *recomputeLead
	own     *ownWrites
	ready   *readiness
	// store reads the sources from the cache without copying them.
	store storeReader
}

// outcome is how a recompute ended.
type outcome int

const (
	// computed: the inventory was computed.
	computed outcome = iota
	// unusable: the spec cannot be used; the status says why.
	unusable
	// sourcesFailed: the sources could not be read; the status says so.
	sourcesFailed
)

// SetupWithManager builds the controller and its watches.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Debounce <= 0 {
		r.Debounce = DefaultDebounce
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.ready == nil {
		r.ready = newReadiness()
	}
	r.own = newOwnWrites()
	r.store = storeReader{mgr.GetCache()}
	r.lead = newRecomputeLead(r.Debounce)
	enqueue := &debouncedEnqueuer{reader: mgr.GetCache(), debounce: r.Debounce, lead: r.lead}
	onCRDs := &debouncedEnqueuer{reader: mgr.GetCache(), debounce: r.Debounce, lead: r.lead, everyUpdate: true}
	r.sources = newSourceTracker(mgr.GetCache(), mgr.GetRESTMapper(), enqueue)
	c, err := ctrl.NewControllerManagedBy(mgr).
		Named("networkinventory").
		For(snapshot.NewInventoryObject(), builder.WithPredicates(r.own.inventoryChanged())).
		WatchesRawSource(source.Kind(mgr.GetCache(), client.Object(crdMetadata()), onCRDs)).
		WithOptions(controller.Options{MaxConcurrentReconciles: 1, RecoverPanic: ptr.To(true)}).
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
	start := time.Now()
	u := snapshot.NewInventoryObject()
	if err := r.Client.Get(ctx, req.NamespacedName, u); err != nil {
		if apierrors.IsNotFound(err) {
			metrics.Forget(req.Name)
			r.own.forget(req.Name)
			r.ready.forget(req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	ni, specErr := snapshot.DecodeInventory(u)
	resync := r.resyncPeriod(nil)
	var (
		desired *v1alpha1.NetworkInventoryStatus
		result  outcome
		retry   bool
	)
	if specErr != nil {
		desired, result = r.notReady(ni, ReasonInvalidSpec, specErr), unusable
	} else {
		resync = r.resyncPeriod(&ni.Spec)
		var err error
		if desired, result, retry, err = r.compute(ctx, ni); err != nil {
			return ctrl.Result{}, err
		}
	}
	next := ctrl.Result{RequeueAfter: resync}
	if retry {
		next.RequeueAfter = r.Debounce // a CRD not served yet: look again soon
	}
	same, err := sameContent(&ni.Status, desired)
	if err != nil {
		return ctrl.Result{}, err
	}
	if same {
		metrics.StatusWrites.WithLabelValues(metrics.OutcomeSkipped).Inc()
		logger.V(1).Info("inventory unchanged, status not written")
		r.settled(ni.Name, desired, result, resync)
		r.lead.observe(time.Since(start))
		return next, nil
	}
	now := metav1.NewTime(r.Now())
	desired.LastRecomputeTime = &now
	desired.LastChangeTime = ni.Status.LastChangeTime
	if same, _ := sameInventory(&ni.Status, desired); !same || desired.LastChangeTime == nil {
		desired.LastChangeTime = &now // the content moved, not only the generation
	}
	if err := applyStatus(ctx, r.Client, ni.Name, desired); err != nil {
		switch {
		case apierrors.IsConflict(err) || apierrors.IsNotFound(err):
			return ctrl.Result{RequeueAfter: r.Debounce}, nil // the cache catches up meanwhile
		case apierrors.IsInvalid(err):
			// The API server refuses any status for this object (its stored
			// spec fails a validation rule that cannot be ratcheted): say so
			// on the object, and retry at the resync rather than in a loop.
			logger.Error(err, "the API server refuses this inventory's status")
			if r.Recorder != nil {
				r.Recorder.Eventf(ni, nil, corev1.EventTypeWarning, ReasonStatusRejected, "WriteStatus",
					"the status cannot be written: %s", inventory.BoundedMessage(err.Error()))
			}
			r.settled(ni.Name, desired, result, resync)
			return next, nil
		}
		return ctrl.Result{}, err
	}
	metrics.StatusWrites.WithLabelValues(metrics.OutcomeWritten).Inc()
	r.settled(ni.Name, desired, result, resync)
	r.lead.observe(time.Since(start))
	recordEvents(r.Recorder, ni, diffEvents(&ni.Status, desired))
	logger.Info("status written", "endpoints", desired.Summary.Endpoints, "namespaces", desired.Summary.Namespaces,
		"findings", desired.Findings.Total)
	return next, nil
}

// settled records that an inventory's status is now as desired.
func (r *Reconciler) settled(name string, st *v1alpha1.NetworkInventoryStatus, result outcome, resync time.Duration) {
	r.own.remember(name, st)
	if result != sourcesFailed {
		r.ready.success(name, resync)
	}
}

// compute returns the status the inventory should have now. A failure to
// read the sources or an invalid spec keeps the last inventory and turns
// Ready False. retry says a source is about to become readable.
func (r *Reconciler) compute(ctx context.Context, ni *v1alpha1.NetworkInventory) (*v1alpha1.NetworkInventoryStatus, outcome, bool, error) {
	versions, pending, err := r.sources.refresh(ctx)
	if err != nil {
		return r.notReady(ni, ReasonSourceError, err), sourcesFailed, false, nil
	}
	start := time.Now()
	snap, err := snapshot.FromReader(ctx, r.store, versions)
	if err != nil {
		metrics.Recomputes.WithLabelValues(metrics.ResultError).Inc()
		return nil, sourcesFailed, false, err // the cache failing is worth a retry with backoff
	}
	if r.APIReader != nil {
		readCiliumConfig(ctx, r.APIReader, cmp.Or(r.CiliumNamespace, DefaultCiliumNamespace), snap)
		readTunnelConfigs(ctx, r.APIReader, snap)
	}
	res, err := inventory.Compute(snap, &ni.Spec, r.Now())
	if err != nil {
		return r.notReady(ni, ReasonInvalidSpec, err), unusable, pending, nil
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
	return &st, computed, pending, nil
}

// notReady keeps the last computed inventory and sets Ready False.
func (r *Reconciler) notReady(ni *v1alpha1.NetworkInventory, reason string, err error) *v1alpha1.NetworkInventoryStatus {
	metrics.Recomputes.WithLabelValues(metrics.ResultError).Inc()
	st := ni.Status.DeepCopy()
	st.ObservedGeneration = ni.Generation
	st.Conditions = mergeConditions(st.Conditions, ni.Generation, metav1.Condition{
		Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: reason, Message: inventory.BoundedMessage(err.Error()),
	})
	return st
}

func (r *Reconciler) resyncPeriod(spec *v1alpha1.NetworkInventorySpec) time.Duration {
	if spec == nil || spec.ResyncPeriod == nil {
		if r.Resync > 0 {
			return r.Resync
		}
		return DefaultResyncPeriod
	}
	floor := r.MinResync
	if floor <= 0 {
		floor = MinResyncPeriod
	}
	return max(spec.ResyncPeriod.Duration, floor)
}
