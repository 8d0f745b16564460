// Command manager runs the netinventory operator: it keeps every
// NetworkInventory's status up to date with the cluster's network exposure
// and policy coverage.
package main

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"os"
	"sync/atomic"

	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"netinventory.io/netinventory/internal/controller"
	"netinventory.io/netinventory/internal/snapshot"
)

func main() {
	var (
		metricsAddr, probeAddr, leaderNamespace string
		leaderElect                             bool
		debounce                                = controller.DefaultDebounce
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080", "address the /metrics endpoint binds to; 0 disables it")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "address the /healthz and /readyz probes bind to")
	flag.BoolVar(&leaderElect, "leader-elect", true, "elect a leader so that only one replica writes statuses")
	flag.StringVar(&leaderNamespace, "leader-election-namespace", "", "namespace of the leader election Lease (default: the pod's namespace)")
	flag.DurationVar(&debounce, "debounce", debounce, "window in which changes coalesce into one recompute")
	opts := zap.Options{Development: false, TimeEncoder: zapcore.ISO8601TimeEncoder}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	log := ctrl.Log.WithName("setup")

	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                  snapshot.Scheme,
		Cache:                   controller.CacheOptions(),
		Metrics:                 metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress:  probeAddr,
		LeaderElection:          leaderElect,
		LeaderElectionID:        "netinventory.io",
		LeaderElectionNamespace: leaderNamespace,
		// Release the lease on shutdown so a new replica takes over at once.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		log.Error(err, "creating the manager")
		os.Exit(1)
	}
	if err := (&controller.Reconciler{Client: mgr.GetClient(), Debounce: debounce,
		Recorder: mgr.GetEventRecorder("netinventory")}).SetupWithManager(mgr); err != nil {
		log.Error(err, "setting up the controller")
		os.Exit(1)
	}

	var synced atomic.Bool
	if err := mgr.Add(cacheSyncWaiter(mgr, &synced)); err != nil {
		log.Error(err, "adding the cache sync check")
		os.Exit(1)
	}
	_ = mgr.AddHealthzCheck("ping", healthz.Ping)
	_ = mgr.AddReadyzCheck("caches-synced", func(*http.Request) error {
		if !synced.Load() {
			return errors.New("caches not synced yet")
		}
		return nil
	})

	log.Info("starting manager")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "running the manager")
		os.Exit(1)
	}
}

// cacheSyncWaiter marks synced once the manager's caches have synced; it
// runs on every replica, leader or not, so readiness says the same on all.
func cacheSyncWaiter(mgr ctrl.Manager, synced *atomic.Bool) nonLeaderRunnable {
	return func(ctx context.Context) error {
		if mgr.GetCache().WaitForCacheSync(ctx) {
			synced.Store(true)
		}
		<-ctx.Done()
		return nil
	}
}

// nonLeaderRunnable is a runnable that needs no leader election.
type nonLeaderRunnable func(context.Context) error

func (f nonLeaderRunnable) Start(ctx context.Context) error { return f(ctx) }

func (nonLeaderRunnable) NeedLeaderElection() bool { return false }
