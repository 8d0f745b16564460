package snapshot

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// PodMeta is what the inventory keeps of a pod's metadata: a third of the
// memory of a metav1.ObjectMeta (88 bytes against 248). It has the field
// names and JSON of an ObjectMeta, and implements metav1.Object so that a
// Pod is a client.Object: the getters of the fields it does not keep
// return their zero values and their setters do nothing.
//
// +kubebuilder:object:generate=true
type PodMeta struct {
	// Name is the pod's name.
	Name string `json:"name,omitempty"`
	// Namespace is the pod's namespace.
	Namespace string `json:"namespace,omitempty"`
	// ResourceVersion tells the cache's versions of the pod apart.
	ResourceVersion string `json:"resourceVersion,omitempty"`
	// Labels are what selectors read.
	Labels map[string]string `json:"labels,omitempty"`
	// DeletionTimestamp is set on a pod being deleted.
	DeletionTimestamp *metav1.Time `json:"deletionTimestamp,omitempty"`
	// OwnerReferences keep the controller owner only (see ControllerOf).
	OwnerReferences []metav1.OwnerReference `json:"ownerReferences,omitempty"`
}

var _ metav1.Object = &PodMeta{}

// GetNamespace returns the namespace.
func (m *PodMeta) GetNamespace() string { return m.Namespace }

// SetNamespace sets the namespace.
func (m *PodMeta) SetNamespace(namespace string) { m.Namespace = namespace }

// GetName returns the name.
func (m *PodMeta) GetName() string { return m.Name }

// SetName sets the name.
func (m *PodMeta) SetName(name string) { m.Name = name }

// GetResourceVersion returns the resourceVersion.
func (m *PodMeta) GetResourceVersion() string { return m.ResourceVersion }

// SetResourceVersion sets the resourceVersion.
func (m *PodMeta) SetResourceVersion(version string) { m.ResourceVersion = version }

// GetLabels returns the labels.
func (m *PodMeta) GetLabels() map[string]string { return m.Labels }

// SetLabels sets the labels.
func (m *PodMeta) SetLabels(labels map[string]string) { m.Labels = labels }

// GetDeletionTimestamp returns the deletionTimestamp.
func (m *PodMeta) GetDeletionTimestamp() *metav1.Time { return m.DeletionTimestamp }

// SetDeletionTimestamp sets the deletionTimestamp.
func (m *PodMeta) SetDeletionTimestamp(timestamp *metav1.Time) { m.DeletionTimestamp = timestamp }

// GetOwnerReferences returns the owner references.
func (m *PodMeta) GetOwnerReferences() []metav1.OwnerReference { return m.OwnerReferences }

// SetOwnerReferences sets the owner references.
func (m *PodMeta) SetOwnerReferences(references []metav1.OwnerReference) {
	m.OwnerReferences = references
}

// GetGenerateName returns "": it is not kept.
func (m *PodMeta) GetGenerateName() string { return "" }

// SetGenerateName does nothing: it is not kept.
func (m *PodMeta) SetGenerateName(string) {}

// GetUID returns "": it is not kept.
func (m *PodMeta) GetUID() types.UID { return "" }

// SetUID does nothing: it is not kept.
func (m *PodMeta) SetUID(types.UID) {}

// GetGeneration returns 0: pods have none.
func (m *PodMeta) GetGeneration() int64 { return 0 }

// SetGeneration does nothing: pods have none.
func (m *PodMeta) SetGeneration(int64) {}

// GetSelfLink returns "": it is not kept.
func (m *PodMeta) GetSelfLink() string { return "" }

// SetSelfLink does nothing: it is not kept.
func (m *PodMeta) SetSelfLink(string) {}

// GetCreationTimestamp returns the zero time: it is not kept.
func (m *PodMeta) GetCreationTimestamp() metav1.Time { return metav1.Time{} }

// SetCreationTimestamp does nothing: it is not kept.
func (m *PodMeta) SetCreationTimestamp(metav1.Time) {}

// GetDeletionGracePeriodSeconds returns nil: it is not kept.
func (m *PodMeta) GetDeletionGracePeriodSeconds() *int64 { return nil }

// SetDeletionGracePeriodSeconds does nothing: it is not kept.
func (m *PodMeta) SetDeletionGracePeriodSeconds(*int64) {}

// GetAnnotations returns nil: they are not kept.
func (m *PodMeta) GetAnnotations() map[string]string { return nil }

// SetAnnotations does nothing: they are not kept.
func (m *PodMeta) SetAnnotations(map[string]string) {}

// GetFinalizers returns nil: they are not kept.
func (m *PodMeta) GetFinalizers() []string { return nil }

// SetFinalizers does nothing: they are not kept.
func (m *PodMeta) SetFinalizers([]string) {}

// GetManagedFields returns nil: they are not kept.
func (m *PodMeta) GetManagedFields() []metav1.ManagedFieldsEntry { return nil }

// SetManagedFields does nothing: they are not kept.
func (m *PodMeta) SetManagedFields([]metav1.ManagedFieldsEntry) {}

// ObjectMeta returns the metadata kept as an ObjectMeta (sharing its
// labels and owner references).
func (m *PodMeta) ObjectMeta() metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, ResourceVersion: m.ResourceVersion, Labels: m.Labels,
		DeletionTimestamp: m.DeletionTimestamp, OwnerReferences: m.OwnerReferences}
}
