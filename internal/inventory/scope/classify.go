package scope

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/snapshot"
)

// Where an exposure came from, as the status says it.
const (
	ExposureFromRule       = v1alpha1.ExposureSourceRule
	ExposureFromAnnotation = v1alpha1.ExposureSourceAnnotation
	ExposureFromDefault    = v1alpha1.ExposureSourceDefault
	ExposureFromEvidence   = v1alpha1.ExposureSourceEvidence
	ExposureFromGateway    = v1alpha1.ExposureSourceGateway
)

// Decision is how the exposure of a Gateway or Service was decided.
type Decision struct {
	// Exposure decided.
	Exposure v1alpha1.Exposure
	// Source is what decided: Rule, Annotation, Gateway, Evidence or
	// Default.
	Source string
	// Evidence is what was read about the object, in words, the deciding
	// items first; listed whatever decided.
	Evidence []string
}

// Classifier decides whether a Gateway or Service is public or internal:
// the first spec rule that matches, else the netinventory.io/exposure
// annotation, else the evidence the objects carry (unless the spec turns
// it off), else the spec's default (Public). Decisions are made once, when
// the scope is built.
type Classifier struct {
	rules     []exposureRule
	def       v1alpha1.Exposure
	decisions map[string]Decision
}

type exposureRule struct {
	rule     *v1alpha1.ExposureRule
	selector labels.Selector
}

// compileExposure compiles spec.exposure; a rule whose selector does not
// parse is a problem and matches nothing.
func compileExposure(spec *v1alpha1.ExposureSpec) (*Classifier, []model.SpecProblem) {
	c := &Classifier{def: spec.Default, decisions: map[string]Decision{}}
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
	d := c.Decide(kind, obj)
	return d.Exposure, d.Source
}

// Decide returns how the exposure of a Gateway or Service was decided.
func (c *Classifier) Decide(kind string, obj metav1.Object) Decision {
	if d, ok := c.decisions[decisionKey(kind, obj.GetNamespace(), obj.GetName())]; ok {
		return d
	}
	if d, ok := c.declared(kind, obj); ok {
		return d
	}
	return Decision{Exposure: c.def, Source: ExposureFromDefault}
}

// declared is the decision of a matching rule, else of the annotation.
func (c *Classifier) declared(kind string, obj metav1.Object) (Decision, bool) {
	for _, r := range c.rules {
		if r.matches(kind, obj) {
			return Decision{Exposure: r.rule.Exposure, Source: ExposureFromRule}, true
		}
	}
	switch strings.ToLower(strings.TrimSpace(obj.GetAnnotations()[AnnotationExposure])) {
	case "public":
		return Decision{Exposure: v1alpha1.ExposurePublic, Source: ExposureFromAnnotation}, true
	case "internal":
		return Decision{Exposure: v1alpha1.ExposureInternal, Source: ExposureFromAnnotation}, true
	}
	return Decision{}, false
}

func decisionKey(kind, namespace, name string) string { return kind + "/" + namespace + "/" + name }

// decideAll decides every Gateway, then every LoadBalancer and NodePort
// Service: a Service a gateway's proxies run behind has the gateway's
// decision unless a rule or annotation classifies the Service itself.
func (c *Classifier) decideAll(snap *snapshot.Snapshot, tunnelPods []*snapshot.Pod, gateways map[types.NamespacedName]*gwv1.Gateway,
	services map[types.NamespacedName]*corev1.Service, useEvidence bool) {
	var ix *evidenceIndex
	if useEvidence {
		ix = newEvidenceIndex(snap, tunnelPods, gateways, services)
	}
	for key, gw := range gateways {
		d, ok := c.declared(KindGateway, gw)
		if ix != nil {
			ev := ix.gatewayEvidence(gw).decide(ix.unknownTunnels, c.def)
			if ok {
				d.Evidence = ev.Evidence
			} else {
				d = ev
			}
		} else if !ok {
			d = Decision{Exposure: c.def, Source: ExposureFromDefault}
		}
		c.decisions[decisionKey(KindGateway, key.Namespace, key.Name)] = d
	}
	for key, svc := range services {
		if svc.Spec.Type != corev1.ServiceTypeLoadBalancer && svc.Spec.Type != corev1.ServiceTypeNodePort {
			continue
		}
		d, ok := c.declared(KindService, svc)
		if !ok {
			gwKey := types.NamespacedName{Namespace: svc.Labels[LabelOwningGatewayNamespace], Name: svc.Labels[LabelOwningGatewayName]}
			if gw := gateways[gwKey]; gwKey.Name != "" && gw != nil {
				d = c.Decide(KindGateway, gw)
				d.Source = ExposureFromGateway
				ok = true
			}
		}
		switch {
		case ok:
		case ix != nil:
			d = ix.serviceEvidence(svc).decide(ix.unknownTunnels, c.def)
		default:
			d = Decision{Exposure: c.def, Source: ExposureFromDefault}
		}
		c.decisions[decisionKey(KindService, key.Namespace, key.Name)] = d
	}
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
