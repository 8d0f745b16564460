package scope

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
)

// Defaults of spec.priorities.
var (
	DefaultSystemNamespaces  = []string{"kube-system", "kube-public", "kube-node-lease"}
	DefaultManyPodsThreshold = int32(20)
)

// PriorityClasses decide how urgent a namespace's gaps are.
type PriorityClasses struct {
	classes   []priorityClass
	system    []string
	threshold int32
}

type priorityClass struct {
	index    int
	class    *v1alpha1.NamespacePriority
	selector labels.Selector
}

// compilePriorities compiles spec.priorities; a class whose selector does
// not parse is a problem and matches by name only.
func compilePriorities(spec *v1alpha1.PrioritySpec) (*PriorityClasses, []model.SpecProblem) {
	p := &PriorityClasses{system: spec.SystemNamespaces, threshold: DefaultManyPodsThreshold}
	if len(p.system) == 0 {
		p.system = DefaultSystemNamespaces
	}
	if spec.ManyPodsThreshold != nil {
		p.threshold = *spec.ManyPodsThreshold
	}
	var problems []model.SpecProblem
	for i := range spec.Namespaces {
		c := priorityClass{index: i, class: &spec.Namespaces[i]}
		if c.class.Selector != nil {
			sel, err := metav1.LabelSelectorAsSelector(c.class.Selector)
			if err != nil {
				problems = append(problems, model.SpecProblem{Field: fmt.Sprintf("spec.priorities.namespaces[%d].selector", i), Message: err.Error()})
			} else {
				c.selector = sel
			}
		}
		p.classes = append(p.classes, c)
	}
	return p, problems
}

// Of returns a namespace's priority and why: the first class that names or
// selects it; else Low for a system namespace; else Medium, one step higher
// for running at least the threshold of pods and one more for backing a
// public endpoint (so a large namespace behind a public endpoint is
// Critical).
func (p *PriorityClasses) Of(ns *corev1.Namespace, pods int32, backsPublic bool) (v1alpha1.Priority, string) {
	for _, c := range p.classes {
		matched := slices.Contains(c.class.Names, ns.Name) || (c.selector != nil && c.selector.Matches(labels.Set(ns.Labels)))
		if !matched {
			continue
		}
		reason := c.class.Reason
		if reason == "" {
			reason = fmt.Sprintf("spec.priorities.namespaces[%d]", c.index)
		}
		return c.class.Priority, reason
	}
	if slices.Contains(p.system, ns.Name) {
		return v1alpha1.PriorityLow, "system namespace"
	}
	rank := v1alpha1.PriorityMedium.Rank()
	reason := "default"
	if pods >= p.threshold {
		rank--
		reason = fmt.Sprintf("runs %d pods (at least %d)", pods, p.threshold)
	}
	if backsPublic {
		rank--
		if reason == "default" {
			reason = "backs a public endpoint"
		} else {
			reason += " and backs a public endpoint"
		}
	}
	return v1alpha1.Priorities[rank], reason
}
