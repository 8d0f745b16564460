package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FindingList is the bounded list of findings.
type FindingList struct {
	ListBounds `json:",inline"`
	// Items, open before acknowledged, then by priority, rule and subject.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=2000
	Items []Finding `json:"items,omitempty"`
}

// Finding is one gap found by a rule.
type Finding struct {
	// Rule that found the gap, e.g. PublicEndpointWithoutAuthentication.
	Rule string `json:"rule"`
	// Priority of the gap.
	Priority Priority `json:"priority"`
	// Subject the gap is about: a hostname, a namespace, or an object as
	// namespace/name.
	Subject string `json:"subject"`
	// Object the gap is about, when it is one object.
	// +optional
	Object *ObjectRef `json:"object,omitempty"`
	// Message says what is wrong.
	Message string `json:"message"`
	// Recommendation says what to do.
	// +optional
	Recommendation string `json:"recommendation,omitempty"`
	// Acknowledged is true when spec.acknowledgements accepts the finding.
	// +optional
	Acknowledged bool `json:"acknowledged,omitempty"`
	// AcknowledgedReason is the acknowledgement's reason.
	// +optional
	AcknowledgedReason string `json:"acknowledgedReason,omitempty"`
	// AcknowledgedUntil is when the acknowledgement expires.
	// +optional
	AcknowledgedUntil *metav1.Time `json:"acknowledgedUntil,omitempty"`
}
