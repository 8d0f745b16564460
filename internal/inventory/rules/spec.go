package rules

import (
	"fmt"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
)

// InvalidSpecField: a field of the NetworkInventory's spec that cannot be
// applied (an invalid label selector): it matches nothing, so the objects
// it was meant for are judged by the defaults.
func InvalidSpecField(m *model.Model) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	for _, p := range m.SpecProblems {
		out = append(out, v1alpha1.Finding{
			Priority: v1alpha1.PriorityHigh, Subject: p.Field,
			Message:        fmt.Sprintf("%s cannot be applied and matches nothing: %s", p.Field, p.Message),
			Recommendation: "Fix the field in the NetworkInventory's spec; until then the objects it was meant to classify get the defaults.",
		})
	}
	return out
}
