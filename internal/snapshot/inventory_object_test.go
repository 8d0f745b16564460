package snapshot

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestDecodeInventoryKeepsTheStatusOfAnUnreadableSpec: an inventory whose
// spec the typed API refuses still yields its metadata and last status,
// with an error that says what is wrong.
func TestDecodeInventoryKeepsTheStatusOfAnUnreadableSpec(t *testing.T) {
	u := NewInventoryObject()
	u.SetName("cluster")
	u.SetGeneration(3)
	_ = unstructured.SetNestedField(u.Object, "banana", "spec", "resyncPeriod")
	_ = unstructured.SetNestedField(u.Object, int64(7), "status", "summary", "endpoints")
	ni, err := DecodeInventory(u)
	if err == nil || !strings.Contains(err.Error(), "banana") {
		t.Fatalf("error %v, want one naming the bad value", err)
	}
	if ni.Name != "cluster" || ni.Generation != 3 || ni.Status.Summary.Endpoints != 7 {
		t.Errorf("kept %s gen %d endpoints %d, want cluster, 3, 7", ni.Name, ni.Generation, ni.Status.Summary.Endpoints)
	}
	_ = unstructured.SetNestedField(u.Object, "10m", "spec", "resyncPeriod")
	if ni, err := DecodeInventory(u); err != nil || ni.Spec.ResyncPeriod.Duration.String() != "10m0s" {
		t.Errorf("a readable inventory: %v %+v", err, ni.Spec.ResyncPeriod)
	}
}
