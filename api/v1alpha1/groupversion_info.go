// Package v1alpha1 contains the netinventory.io/v1alpha1 API: the
// NetworkInventory resource, a living inventory of what a cluster exposes and
// how well it is guarded.
//
// +kubebuilder:object:generate=true
// +groupName=netinventory.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of this API.
	GroupVersion = schema.GroupVersion{Group: "netinventory.io", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this API with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this API to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
