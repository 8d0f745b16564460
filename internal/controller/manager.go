package controller

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"netinventory.io/netinventory/internal/scheme"
	"netinventory.io/netinventory/internal/snapshot"
)

// LeaderElectionID names the Lease the replicas elect their leader with.
const LeaderElectionID = "netinventory.io"

// ManagerOptions configure the manager NewManager builds. The zero value
// is a manager without metrics, probes or leader election, as tests want it.
type ManagerOptions struct {
	// MetricsAddr is the address /metrics binds to; "" or "0" disables it.
	MetricsAddr string
	// MetricsSecure serves /metrics over HTTPS and lets through only the
	// requests whose bearer token may `get` the non-resource URL /metrics
	// (TokenReview and SubjectAccessReview).
	MetricsSecure bool
	// MetricsCertDir holds tls.crt and tls.key for /metrics; empty: a
	// self-signed certificate.
	MetricsCertDir string
	// ProbeAddr is the address /healthz and /readyz bind to; "" or "0"
	// disables them.
	ProbeAddr string
	// PprofAddr is the address Go's /debug/pprof profiles bind to; "" or
	// "0" (the default) disables them.
	PprofAddr string

	// LeaderElection makes the replicas elect one leader, which alone
	// writes statuses, through a Lease in LeaderElectionNamespace.
	LeaderElection bool
	// LeaderElectionNamespace holds the Lease; empty: the pod's namespace.
	LeaderElectionNamespace string
	// LeaderElectionIdentity is the identity the Lease is held under;
	// empty: a new one (see NewIdentity).
	LeaderElectionIdentity string
	// LeaseDuration, RenewDeadline and RetryPeriod tune leader election;
	// zero: controller-runtime's defaults (15 s, 10 s, 2 s).
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// GracefulShutdown bounds how long the manager waits for its runnables
	// to stop; zero: 5 s.
	GracefulShutdown time.Duration

	// CiliumNamespace is where Cilium's cilium-config ConfigMap lives;
	// DefaultCiliumNamespace when empty.
	CiliumNamespace string

	// Debounce is the window within which a change reaches the status:
	// changes in it coalesce into one recompute, which starts before its
	// end by as long as the last recomputes took (at most half of it).
	Debounce time.Duration
	// MinResync is the shortest resync period honoured (tests lower it).
	MinResync time.Duration
	// Resync is the resync period of inventories whose spec sets none;
	// zero: DefaultResyncPeriod (tests lower it).
	Resync time.Duration
	// SkipNameValidation lets several managers run in one process (tests).
	SkipNameValidation bool
}

// NewManager builds the operator's manager: the cache trimmed to what the
// engine reads, the NetworkInventory controller, metrics, Events, leader
// election and the health probes. cmd/main.go and the envtest suites build
// it the same way.
func NewManager(cfg *rest.Config, o ManagerOptions) (ctrl.Manager, error) {
	opts := ctrl.Options{
		Scheme:                  scheme.Scheme,
		Cache:                   CacheOptions(),
		Metrics:                 metricsOptions(o),
		HealthProbeBindAddress:  orZero(o.ProbeAddr),
		PprofBindAddress:        orZero(o.PprofAddr),
		LeaderElection:          o.LeaderElection,
		LeaderElectionID:        LeaderElectionID,
		LeaderElectionNamespace: o.LeaderElectionNamespace,
		// Release the Lease on shutdown so a new replica takes over at once.
		LeaderElectionReleaseOnCancel: true,
		GracefulShutdownTimeout:       durationOr(o.GracefulShutdown, 5*time.Second),
	}
	for _, d := range []struct {
		v   time.Duration
		dst **time.Duration
	}{{o.LeaseDuration, &opts.LeaseDuration}, {o.RenewDeadline, &opts.RenewDeadline}, {o.RetryPeriod, &opts.RetryPeriod}} {
		if d.v > 0 {
			*d.dst = &d.v
		}
	}
	if o.LeaderElection {
		lock, err := leaseLock(cfg, o)
		if err != nil {
			return nil, fmt.Errorf("the leader election Lease: %w", err)
		}
		opts.LeaderElectionResourceLockInterface = lock
	}
	if o.SkipNameValidation {
		opts.Controller = config.Controller{SkipNameValidation: &o.SkipNameValidation}
	}
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	ready := newReadiness()
	ready.reader = mgr.GetCache()
	ready.elected = mgr.Elected()
	if dc, err := discovery.NewDiscoveryClientForConfig(cfg); err == nil {
		ready.api = dc.RESTClient()
	} else {
		return nil, fmt.Errorf("a client for the readiness probe: %w", err)
	}
	r := &Reconciler{Client: mgr.GetClient(), Debounce: o.Debounce, MinResync: o.MinResync, Resync: o.Resync,
		Recorder: mgr.GetEventRecorder("netinventory"), ready: ready, APIReader: mgr.GetAPIReader(), CiliumNamespace: o.CiliumNamespace}
	if err := r.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the controller: %w", err)
	}
	if err := mgr.Add(cacheSyncWaiter(mgr.GetCache(), ready)); err != nil {
		return nil, fmt.Errorf("adding the cache sync check: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("inventory", ready.Check); err != nil {
		return nil, err
	}
	return mgr, nil
}

func metricsOptions(o ManagerOptions) metricsserver.Options {
	m := metricsserver.Options{BindAddress: orZero(o.MetricsAddr)}
	if o.MetricsSecure {
		m.SecureServing = true
		m.CertDir = o.MetricsCertDir
		m.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	return m
}

func orZero(addr string) string {
	if addr == "" {
		return "0"
	}
	return addr
}

func durationOr(d, def time.Duration) *time.Duration {
	if d <= 0 {
		d = def
	}
	return &d
}

// cacheSyncWaiter marks the caches synced once they are, the
// NetworkInventories' own informer included; it runs on every replica,
// leader or not. The controller registers that informer only once elected,
// possibly after the cache started: without waiting for it, the readiness
// probe could list no inventory from a cache still empty, and answer ready
// before the first inventory was computed.
func cacheSyncWaiter(c cache.Cache, r *readiness) nonLeaderRunnable {
	return func(ctx context.Context) error {
		if c.WaitForCacheSync(ctx) {
			if _, err := c.GetInformer(ctx, snapshot.NewInventoryObject()); err != nil {
				log.FromContext(ctx).Error(err, "the NetworkInventory informer; the manager stays unready")
			} else {
				r.synced.Store(true)
			}
		}
		<-ctx.Done()
		return nil
	}
}

// nonLeaderRunnable is a runnable that needs no leader election.
type nonLeaderRunnable func(context.Context) error

// Start runs the function.
func (f nonLeaderRunnable) Start(ctx context.Context) error { return f(ctx) }

// NeedLeaderElection says the runnable runs on every replica.
func (nonLeaderRunnable) NeedLeaderElection() bool { return false }
