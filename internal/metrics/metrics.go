// Package metrics holds the operator's Prometheus collectors, registered
// with the controller-runtime registry that the manager serves on /metrics.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	// Recomputes counts inventory recomputes, by result (success, error).
	Recomputes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "netinventory_recomputes_total",
		Help: "Inventory recomputes, by result.",
	}, []string{"result"})

	// StatusWrites counts status writes, by outcome: written, or skipped
	// because the content was unchanged.
	StatusWrites = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "netinventory_status_writes_total",
		Help: "NetworkInventory status writes, by outcome (written, skipped when unchanged).",
	}, []string{"outcome"})
)

// Label values.
const (
	ResultSuccess  = "success"
	ResultError    = "error"
	OutcomeWritten = "written"
	OutcomeSkipped = "skipped"
)

func init() {
	crmetrics.Registry.MustRegister(Recomputes, StatusWrites)
}
