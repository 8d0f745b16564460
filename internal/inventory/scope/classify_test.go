package scope

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
)

func objMeta(ns, name string, labels, annotations map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels, Annotations: annotations}
}

func TestExposureClassification(t *testing.T) {
	spec := &v1alpha1.ExposureSpec{Rules: []v1alpha1.ExposureRule{
		{Exposure: v1alpha1.ExposureInternal, Gateways: []v1alpha1.NamespacedName{{Namespace: "net", Name: "lan"}}},
		{Exposure: v1alpha1.ExposurePublic, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"edge": "true"}}},
		{Exposure: v1alpha1.ExposurePublic, Selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "x", Operator: "Bogus"}}}},
	}}
	tests := []struct {
		name     string
		kind     string
		meta     metav1.ObjectMeta
		def      v1alpha1.Exposure
		want     v1alpha1.Exposure
		wantFrom string
	}{
		{"named by a rule", KindGateway, objMeta("net", "lan", nil, map[string]string{AnnotationExposure: "public"}), "", v1alpha1.ExposureInternal, ExposureFromRule},
		{"selected by a rule", KindService, objMeta("net", "x", map[string]string{"edge": "true"}, nil), "", v1alpha1.ExposurePublic, ExposureFromRule},
		{"annotation when no rule matches", KindGateway, objMeta("net", "y", nil, map[string]string{AnnotationExposure: "Internal"}), "", v1alpha1.ExposureInternal, ExposureFromAnnotation},
		{"default is public", KindGateway, objMeta("net", "z", nil, nil), "", v1alpha1.ExposurePublic, ExposureFromDefault},
		{"spec default", KindService, objMeta("net", "z", nil, nil), v1alpha1.ExposureInternal, v1alpha1.ExposureInternal, ExposureFromDefault},
		{"a rule naming a gateway does not match a service of that name", KindService, objMeta("net", "lan", nil, nil), "", v1alpha1.ExposurePublic, ExposureFromDefault},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := *spec
			s.Default = tt.def
			c, problems := compileExposure(&s)
			got, from := c.Classify(tt.kind, &tt.meta)
			if got != tt.want || from != tt.wantFrom {
				t.Errorf("got %s from %s, want %s from %s", got, from, tt.want, tt.wantFrom)
			}
			if len(problems) != 1 || problems[0].Field != "spec.exposure.rules[2].selector" {
				t.Errorf("the rule with an invalid selector is a problem naming the field, not applied: %v", problems)
			}
		})
	}
}
