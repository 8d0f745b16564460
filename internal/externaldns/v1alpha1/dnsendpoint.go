// Package v1alpha1 is the part of external-dns's DNSEndpoint API
// (externaldns.k8s.io/v1alpha1) the inventory reads: the records a
// DNSEndpoint asks external-dns to publish. The external-dns module itself
// cannot be required here (its releases need a newer Go, its older ones an
// unresolvable dependency graph); the field names and JSON tags are those of
// its apis/v1alpha1 package, and the tests decode against its CRD.
// +kubebuilder:object:generate=true
// +groupName=externaldns.k8s.io
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

// GroupVersion is externaldns.k8s.io/v1alpha1.
var GroupVersion = schema.GroupVersion{Group: "externaldns.k8s.io", Version: "v1alpha1"}

// SchemeBuilder registers the DNSEndpoint types.
var SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

// AddToScheme adds the DNSEndpoint types to a scheme.
var AddToScheme = SchemeBuilder.AddToScheme

func init() {
	SchemeBuilder.Register(&DNSEndpoint{}, &DNSEndpointList{})
}

// DNSEndpoint asks external-dns to publish DNS records.
// +kubebuilder:object:root=true
type DNSEndpoint struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// Spec holds the records.
	Spec DNSEndpointSpec `json:"spec,omitempty"`
	// Status is what external-dns observed.
	Status DNSEndpointStatus `json:"status,omitempty"`
}

// DNSEndpointSpec holds the records of a DNSEndpoint.
type DNSEndpointSpec struct {
	// Endpoints are the records.
	Endpoints []*Endpoint `json:"endpoints,omitempty"`
}

// Endpoint is one DNS record.
type Endpoint struct {
	// DNSName is the record's name.
	DNSName string `json:"dnsName,omitempty"`
	// Targets are the record's values: addresses for A and AAAA records,
	// names for CNAME records.
	Targets []string `json:"targets,omitempty"`
	// RecordType is A, AAAA, CNAME, TXT...
	RecordType string `json:"recordType,omitempty"`
	// SetIdentifier tells apart records of one name and type.
	SetIdentifier string `json:"setIdentifier,omitempty"`
	// RecordTTL is the record's TTL in seconds.
	RecordTTL int64 `json:"recordTTL,omitempty"`
	// Labels are external-dns's own labels.
	Labels map[string]string `json:"labels,omitempty"`
	// ProviderSpecific are settings for the DNS provider.
	ProviderSpecific []ProviderSpecificProperty `json:"providerSpecific,omitempty"`
}

// ProviderSpecificProperty is one provider setting of a record.
type ProviderSpecificProperty struct {
	// Name of the setting.
	Name string `json:"name,omitempty"`
	// Value of the setting.
	Value string `json:"value,omitempty"`
}

// DNSEndpointStatus is what external-dns observed.
type DNSEndpointStatus struct {
	// ObservedGeneration is the generation external-dns last processed.
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// DNSEndpointList is a list of DNSEndpoints.
// +kubebuilder:object:root=true
type DNSEndpointList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the DNSEndpoints.
	Items []DNSEndpoint `json:"items"`
}
