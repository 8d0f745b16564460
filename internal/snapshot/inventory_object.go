package snapshot

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"netinventory.io/netinventory/api/v1alpha1"
)

// InventoryGVK is the kind of the inventories. The manager's cache holds
// them unstructured, so that one inventory the typed API cannot decode
// (stored before a validation rule existed, or written around it) is
// reported on itself instead of stopping the informer of every inventory;
// the plugin reads them the same way.
var InventoryGVK = v1alpha1.GroupVersion.WithKind("NetworkInventory")

// NewInventoryObject returns an empty unstructured NetworkInventory.
func NewInventoryObject() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(InventoryGVK)
	return u
}

// NewInventoryList returns an empty unstructured NetworkInventoryList.
func NewInventoryList() *unstructured.UnstructuredList {
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(InventoryGVK.GroupVersion().WithKind(InventoryGVK.Kind + "List"))
	return l
}

// DecodeInventory converts an unstructured inventory to the typed one. When
// the whole object cannot be decoded, it returns an inventory with the
// metadata and the status that could be (the last inventory computed, kept
// rather than lost) and the error that makes the spec unusable.
func DecodeInventory(u *unstructured.Unstructured) (*v1alpha1.NetworkInventory, error) {
	ni := &v1alpha1.NetworkInventory{}
	err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, ni)
	if err == nil {
		return ni, nil
	}
	partial := &v1alpha1.NetworkInventory{}
	if st, ok := u.Object["status"].(map[string]any); ok {
		// A status this manager wrote decodes; anything else is dropped.
		_ = runtime.DefaultUnstructuredConverter.FromUnstructured(map[string]any{"status": st}, partial)
	}
	partial.ObjectMeta = metaOf(u)
	return partial, fmt.Errorf("the spec cannot be read: %w", err)
}

// metaOf copies the object metadata of an unstructured object.
func metaOf(u *unstructured.Unstructured) (m metav1.ObjectMeta) {
	m.Name = u.GetName()
	m.UID = u.GetUID()
	m.Generation = u.GetGeneration()
	m.ResourceVersion = u.GetResourceVersion()
	m.Labels = u.GetLabels()
	m.Annotations = u.GetAnnotations()
	m.CreationTimestamp = u.GetCreationTimestamp()
	return m
}
