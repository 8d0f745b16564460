package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"netinventory.io/netinventory/api/v1alpha1"
)

// FieldOwner is the field manager that owns the status.
const FieldOwner = "netinventory"

// mergeConditions sets each of conds on a copy of the current conditions,
// keeping transition times of those whose status did not change.
func mergeConditions(current []metav1.Condition, generation int64, conds ...metav1.Condition) []metav1.Condition {
	out := make([]metav1.Condition, len(current))
	copy(out, current)
	for _, c := range conds {
		c.ObservedGeneration = generation
		meta.SetStatusCondition(&out, c)
	}
	return out
}

// sameContent reports whether two statuses differ only in their times:
// lastRecomputeTime, lastChangeTime and the conditions' transition times.
func sameContent(a, b *v1alpha1.NetworkInventoryStatus) (bool, error) {
	return equalJSON(a, b, false)
}

// sameInventory reports whether two statuses hold the same inventory:
// they differ at most in times and observed generations.
func sameInventory(a, b *v1alpha1.NetworkInventoryStatus) (bool, error) {
	return equalJSON(a, b, true)
}

func equalJSON(a, b *v1alpha1.NetworkInventoryStatus, ignoreGenerations bool) (bool, error) {
	ja, err := contentJSON(a, ignoreGenerations)
	if err != nil {
		return false, err
	}
	jb, err := contentJSON(b, ignoreGenerations)
	if err != nil {
		return false, err
	}
	return bytes.Equal(ja, jb), nil
}

func contentJSON(s *v1alpha1.NetworkInventoryStatus, ignoreGenerations bool) ([]byte, error) {
	c := s.DeepCopy()
	c.LastRecomputeTime, c.LastChangeTime = nil, nil
	if ignoreGenerations {
		c.ObservedGeneration = 0
	}
	for i := range c.Conditions {
		c.Conditions[i].LastTransitionTime = metav1.Time{}
		if ignoreGenerations {
			c.Conditions[i].ObservedGeneration = 0
		}
	}
	if len(c.Conditions) == 0 { // nil and empty alike
		c.Conditions = nil
	}
	return json.Marshal(c)
}

// applyStatus writes the whole status with server-side apply under
// FieldOwner. The status lists are atomic, so each is replaced whole. The
// status is built from Go types, so it can hold no unknown field: field
// validation is off, which spares the API server a second parse of the
// patch (with Warn, its default, it parses every apply patch twice).
func applyStatus(ctx context.Context, c client.Client, name string, status *v1alpha1.NetworkInventoryStatus) error {
	gvk := v1alpha1.GroupVersion.WithKind("NetworkInventory")
	body, err := json.Marshal(map[string]any{ // the typed status's JSON is the apply configuration
		"apiVersion": gvk.GroupVersion().String(), "kind": gvk.Kind,
		"metadata": map[string]string{"name": name}, "status": status,
	})
	if err != nil {
		return err
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	u.SetName(name)
	if err := c.Status().Patch(ctx, u, client.RawPatch(types.ApplyPatchType, body),
		client.FieldOwner(FieldOwner), client.ForceOwnership, client.FieldValidation(metav1.FieldValidationIgnore)); err != nil {
		return fmt.Errorf("applying status: %w", err)
	}
	return nil
}
