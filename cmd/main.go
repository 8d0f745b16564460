// Command manager runs the netinventory operator: it keeps every
// NetworkInventory's status up to date with the cluster's network exposure
// and policy coverage.
package main

import (
	"flag"
	"os"

	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"netinventory.io/netinventory/internal/controller"
)

func main() {
	o := controller.ManagerOptions{Debounce: controller.DefaultDebounce}
	flag.StringVar(&o.MetricsAddr, "metrics-bind-address", ":8443", "address the /metrics endpoint binds to; 0 disables it")
	flag.BoolVar(&o.MetricsSecure, "metrics-secure", true,
		"serve /metrics over HTTPS to clients whose token may get the non-resource URL /metrics (TokenReview and SubjectAccessReview); false: plain HTTP without authentication")
	flag.StringVar(&o.MetricsCertDir, "metrics-cert-dir", "", "directory with tls.crt and tls.key for /metrics; empty: a self-signed certificate")
	flag.StringVar(&o.ProbeAddr, "health-probe-bind-address", ":8081", "address the /healthz and /readyz probes bind to")
	flag.StringVar(&o.PprofAddr, "pprof-bind-address", "", "address Go's /debug/pprof profiles bind to (for measurement; keep it off the network); empty: off")
	flag.BoolVar(&o.LeaderElection, "leader-elect", true, "elect a leader so that only one replica writes statuses")
	flag.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", "", "namespace of the leader election Lease (default: the pod's namespace)")
	flag.DurationVar(&o.LeaseDuration, "leader-election-lease-duration", 15e9, "how long a standby waits before it takes over an unrenewed Lease")
	flag.DurationVar(&o.RenewDeadline, "leader-election-renew-deadline", 10e9, "how long the leader tries to renew its Lease before it gives up leading")
	flag.DurationVar(&o.RetryPeriod, "leader-election-retry-period", 2e9, "how often the replicas try to acquire or renew the Lease")
	flag.StringVar(&o.CiliumNamespace, "cilium-namespace", controller.DefaultCiliumNamespace,
		"namespace of Cilium's cilium-config ConfigMap, whose enable-policy sets the policy enforcement mode")
	flag.DurationVar(&o.Debounce, "debounce", o.Debounce, "window within which a change reaches the status: changes in it coalesce into one recompute, started before its end by as long as the last recomputes took (at most half the window)")
	zapOpts := zap.Options{Development: false, TimeEncoder: zapcore.ISO8601TimeEncoder}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")
	if limit, ok := controller.SetMemoryLimit(os.Getenv); ok {
		log.Info("soft memory limit set from the container's", "bytes", limit)
	}

	cfg, err := ctrl.GetConfig()
	if err != nil {
		log.Error(err, "reading the kubeconfig")
		os.Exit(1)
	}
	if err := controller.Run(ctrl.SetupSignalHandler(), cfg, o); err != nil {
		log.Error(err, "running the manager")
		os.Exit(1)
	}
}
