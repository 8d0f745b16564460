// Package inventory is the pure engine: from a Snapshot of source objects
// and a NetworkInventory spec it computes the inventory. It never calls a
// client, reads the clock only through its argument, and is deterministic:
// every list it emits is sorted.
package inventory

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
)

// Annotations read from source objects.
const (
	// AnnotationPurpose says what an object is for.
	AnnotationPurpose = "netinventory.io/purpose"
	// AnnotationExposure classifies a Gateway or Service: public|internal.
	AnnotationExposure = "netinventory.io/exposure"
	// AnnotationAuthentication declares authentication the cluster cannot
	// see on a route or Service, e.g. native or hmac.
	AnnotationAuthentication = "netinventory.io/authentication"
)

// Result is the computed inventory.
type Result struct {
	// Status holds the computed content: summary, sources and lists. The
	// caller sets observedGeneration, times and conditions' times.
	Status v1alpha1.NetworkInventoryStatus `json:"status"`
	// Conditions are the gap conditions, without transition times.
	Conditions []metav1.Condition `json:"conditions"`
}

// Compute computes the inventory of a Snapshot under a spec at time now.
// It returns an error only for a spec it cannot apply (an invalid
// namespace selector); bad source objects become findings.
func Compute(snap *snapshot.Snapshot, spec *v1alpha1.NetworkInventorySpec, now time.Time) (*Result, error) {
	m, err := newModel(snap, spec, now)
	if err != nil {
		return nil, err
	}
	st := v1alpha1.NetworkInventoryStatus{}
	st.Sources = sourceStatuses(snap)
	gateways := m.gatewayEntries()
	namespaces := m.namespaceEntries()

	limit := m.limits.perList
	st.Gateways = v1alpha1.GatewayList{Items: capped(gateways, limit), Total: int32(len(gateways)), Truncated: len(gateways) > limit}
	st.Namespaces = v1alpha1.NamespaceList{Items: capped(namespaces, limit), Total: int32(len(namespaces)), Truncated: len(namespaces) > limit}

	st.Summary = v1alpha1.Summary{
		Gateways:   int32(len(gateways)),
		Namespaces: int32(len(namespaces)),
	}
	for _, ns := range namespaces {
		st.Summary.Pods += ns.Pods
		st.Summary.HostNetworkPods += ns.HostNetworkPods
	}
	return &Result{Status: st, Conditions: m.conditions(snap)}, nil
}

// capped returns at most n items of a sorted list.
func capped[T any](items []T, n int) []T {
	if len(items) > n {
		return items[:n]
	}
	return items
}

func sourceStatuses(snap *snapshot.Snapshot) []v1alpha1.SourceStatus {
	out := make([]v1alpha1.SourceStatus, 0, len(snap.Sources))
	for _, st := range snap.Sources {
		s := v1alpha1.SourceStatus{Kind: st.Source.Kind, Group: st.Source.Group, Available: st.Available}
		if st.Available {
			s.Version = st.Version
			s.Count = int32(snap.Count(st.Source))
		}
		out = append(out, s)
	}
	return out
}

// invalidSpecError is returned for a spec the engine cannot apply.
func invalidSpecError(field string, err error) error {
	return fmt.Errorf("spec.%s: %w", field, err)
}
