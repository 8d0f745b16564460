package inventory

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"netinventory.io/netinventory/api/v1alpha1"
)

// Where an exposure came from.
const (
	ExposureFromRule       = "Rule"
	ExposureFromAnnotation = "Annotation"
	ExposureFromDefault    = "Default"
)

// exposureClassifier decides whether a Gateway or Service is public or
// internal: the first spec rule that matches, else the
// netinventory.io/exposure annotation, else the spec's default (Public).
type exposureClassifier struct {
	rules []compiledExposureRule
	def   v1alpha1.Exposure
	// invalid holds the indexes of rules whose selector does not parse;
	// they match nothing.
	invalid map[int]error
}

type compiledExposureRule struct {
	rule     *v1alpha1.ExposureRule
	selector labels.Selector
}

func newExposureClassifier(spec *v1alpha1.ExposureSpec) *exposureClassifier {
	c := &exposureClassifier{def: spec.Default, invalid: map[int]error{}}
	if c.def == "" {
		c.def = v1alpha1.ExposurePublic
	}
	for i := range spec.Rules {
		r := compiledExposureRule{rule: &spec.Rules[i]}
		if spec.Rules[i].Selector != nil {
			sel, err := metav1.LabelSelectorAsSelector(spec.Rules[i].Selector)
			if err != nil {
				c.invalid[i] = err
				continue
			}
			r.selector = sel
		}
		c.rules = append(c.rules, r)
	}
	return c
}

// Kinds an exposure rule can name.
const (
	kindGateway = "Gateway"
	kindService = "Service"
)

// classify returns the exposure of a Gateway or Service and what decided it.
func (c *exposureClassifier) classify(kind string, obj metav1.Object) (v1alpha1.Exposure, string) {
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

func (r compiledExposureRule) matches(kind string, obj metav1.Object) bool {
	names := r.rule.Services
	if kind == kindGateway {
		names = r.rule.Gateways
	}
	for _, n := range names {
		if n.Namespace == obj.GetNamespace() && n.Name == obj.GetName() {
			return true
		}
	}
	return r.selector != nil && r.selector.Matches(labels.Set(obj.GetLabels()))
}

// purposeOf returns an object's declared purpose.
func purposeOf(obj metav1.Object) string {
	a := obj.GetAnnotations()
	for _, key := range []string{AnnotationPurpose, "kubernetes.io/description", "description"} {
		if v := strings.TrimSpace(a[key]); v != "" {
			return v
		}
	}
	return ""
}
