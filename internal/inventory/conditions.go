package inventory

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
)

// Condition reasons.
const (
	ReasonAllSourcesAvailable = "AllSourcesAvailable"
	ReasonSourcesMissing      = "SourcesMissing"
)

// conditions returns the engine's conditions, without transition times.
func (m *model) conditions(snap *snapshot.Snapshot) []metav1.Condition {
	return []metav1.Condition{sourcesCondition(snap)}
}

func sourcesCondition(snap *snapshot.Snapshot) metav1.Condition {
	missing := snap.Missing()
	if len(missing) == 0 {
		return metav1.Condition{
			Type: v1alpha1.ConditionSourcesAvailable, Status: metav1.ConditionTrue,
			Reason: ReasonAllSourcesAvailable, Message: "every source kind is served by the cluster",
		}
	}
	names := make([]string, 0, len(missing))
	for _, src := range missing {
		names = append(names, src.String())
	}
	return metav1.Condition{
		Type: v1alpha1.ConditionSourcesAvailable, Status: metav1.ConditionFalse, Reason: ReasonSourcesMissing,
		Message: fmt.Sprintf("not served by the cluster (CRDs not installed), inventoried without them: %s", namedList(names, 5)),
	}
}

// namedList joins the first n names and says how many more there are.
func namedList(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}
