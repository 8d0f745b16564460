package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NetworkInventory is a living inventory of a cluster's network exposure and
// policy coverage: its gateways and every endpoint they expose with the
// authentication that really applies, its LoadBalancer and NodePort
// Services, its security and network policies, its ReferenceGrants, the
// policy coverage of each namespace, and the gaps found, by priority.
//
// The spec says what to inventory and how to judge it; the status is written
// by the operator and kept up to date as the cluster changes.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=netinv,categories=netinventory
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Gateways",type=integer,JSONPath=`.status.summary.gateways`,priority=1
// +kubebuilder:printcolumn:name="Endpoints",type=integer,JSONPath=`.status.summary.endpoints`
// +kubebuilder:printcolumn:name="Public",type=integer,JSONPath=`.status.summary.publicEndpoints`
// +kubebuilder:printcolumn:name="Unauthenticated",type=integer,JSONPath=`.status.summary.unauthenticatedEndpoints`
// +kubebuilder:printcolumn:name="Namespaces",type=integer,JSONPath=`.status.summary.namespaces`,priority=1
// +kubebuilder:printcolumn:name="Not Isolated",type=integer,JSONPath=`.status.summary.notIsolatedNamespaces`
// +kubebuilder:printcolumn:name="Critical",type=integer,JSONPath=`.status.summary.findings.critical`
// +kubebuilder:printcolumn:name="High",type=integer,JSONPath=`.status.summary.findings.high`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type NetworkInventory struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec says what to inventory and how to judge it.
	// +optional
	Spec NetworkInventorySpec `json:"spec,omitempty"`

	// Status is the inventory, written by the operator.
	// +optional
	Status NetworkInventoryStatus `json:"status,omitempty"`
}

// NetworkInventoryList is a list of NetworkInventory objects.
//
// +kubebuilder:object:root=true
type NetworkInventoryList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the NetworkInventory objects.
	Items []NetworkInventory `json:"items"`
}

func init() {
	SchemeBuilder.Register(&NetworkInventory{}, &NetworkInventoryList{})
}
