package inventory

import (
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"netinventory.io/netinventory/api/v1alpha1"
)

// Defaults of spec.priorities.
var (
	DefaultSystemNamespaces  = []string{"kube-system", "kube-public", "kube-node-lease"}
	DefaultManyPodsThreshold = int32(20)
)

// namespacePriority decides how urgent a namespace's gaps are: the first
// class of spec.priorities that names or selects it; else Low for a system
// namespace; else Medium, one step higher for running many pods and one
// more for backing a public endpoint.
func (m *engine) namespacePriority(name string, pods int32, backsPublic bool) (v1alpha1.Priority, string) {
	spec := &m.spec.Priorities
	ns := m.namespaces[name]
	for i, class := range spec.Namespaces {
		matched := slices.Contains(class.Names, name)
		if !matched && class.Selector != nil && ns != nil {
			if sel, err := metav1.LabelSelectorAsSelector(class.Selector); err == nil {
				matched = sel.Matches(labels.Set(ns.Labels))
			}
		}
		if matched {
			reason := class.Reason
			if reason == "" {
				reason = fmt.Sprintf("spec.priorities.namespaces[%d]", i)
			}
			return class.Priority, reason
		}
	}
	system := spec.SystemNamespaces
	if len(system) == 0 {
		system = DefaultSystemNamespaces
	}
	if slices.Contains(system, name) {
		return v1alpha1.PriorityLow, "system namespace"
	}
	threshold := DefaultManyPodsThreshold
	if spec.ManyPodsThreshold != nil {
		threshold = *spec.ManyPodsThreshold
	}
	rank := priorityRank(v1alpha1.PriorityMedium)
	reason := "default"
	if pods >= threshold {
		rank--
		reason = fmt.Sprintf("runs %d pods (at least %d)", pods, threshold)
	}
	if backsPublic {
		rank--
		if reason == "default" {
			reason = "backs a public endpoint"
		} else {
			reason += " and backs a public endpoint"
		}
	}
	return []v1alpha1.Priority{v1alpha1.PriorityCritical, v1alpha1.PriorityHigh, v1alpha1.PriorityMedium, v1alpha1.PriorityLow}[rank], reason
}
