package scope

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
)

// Where an exposure came from.
const (
	ExposureFromRule       = "Rule"
	ExposureFromAnnotation = "Annotation"
	ExposureFromDefault    = "Default"
)

// Classifier decides whether a Gateway or Service is public or internal:
// the first spec rule that matches, else the netinventory.io/exposure
// annotation, else the spec's default (Public).
type Classifier struct {
	rules []exposureRule
	def   v1alpha1.Exposure
}

type exposureRule struct {
	rule     *v1alpha1.ExposureRule
	selector labels.Selector
}

// compileExposure compiles spec.exposure; a rule whose selector does not
// parse is a problem and matches nothing.
func compileExposure(spec *v1alpha1.ExposureSpec) (*Classifier, []model.SpecProblem) {
	c := &Classifier{def: spec.Default}
	if c.def == "" {
		c.def = v1alpha1.ExposurePublic
	}
	var problems []model.SpecProblem
	for i := range spec.Rules {
		r := exposureRule{rule: &spec.Rules[i]}
		if spec.Rules[i].Selector != nil {
			sel, err := metav1.LabelSelectorAsSelector(spec.Rules[i].Selector)
			if err != nil {
				problems = append(problems, model.SpecProblem{Field: fmt.Sprintf("spec.exposure.rules[%d].selector", i), Message: err.Error()})
				continue
			}
			r.selector = sel
		}
		c.rules = append(c.rules, r)
	}
	return c, problems
}

// Classify returns the exposure of a Gateway or Service (kind names which)
// and what decided it.
func (c *Classifier) Classify(kind string, obj metav1.Object) (v1alpha1.Exposure, string) {
	for _, r := range c.rules {
		if r.matches(kind, obj) {
			return r.rule.Exposure, ExposureFromRule
		}
	}
	switch strings.ToLower(strings.TrimSpace(obj.GetAnnotations()[AnnotationExposure])) {
	case "public":
		return v1alpha1.ExposurePublic, ExposureFromAnnotation
	case "internal":
		return v1alpha1.ExposureInternal, ExposureFromAnnotation
	}
	return c.def, ExposureFromDefault
}

func (r exposureRule) matches(kind string, obj metav1.Object) bool {
	names := r.rule.Services
	if kind == KindGateway {
		names = r.rule.Gateways
	}
	for _, n := range names {
		if n.Namespace == obj.GetNamespace() && n.Name == obj.GetName() {
			return true
		}
	}
	return r.selector != nil && r.selector.Matches(labels.Set(obj.GetLabels()))
}
