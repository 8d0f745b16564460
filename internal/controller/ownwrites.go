package controller

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"netinventory.io/netinventory/api/v1alpha1"
)

// ownWrites remembers, per inventory, the content of the status this
// manager last wrote or found in place, so that a status update can be told
// apart: the manager's own write comes back as an event and needs no
// recompute; anyone else's write is undone at once.
type ownWrites struct {
	mu   sync.Mutex
	last map[string][sha256.Size]byte
}

func newOwnWrites() *ownWrites { return &ownWrites{last: map[string][sha256.Size]byte{}} }

// remember records the status an inventory now has, as this manager wants it.
func (o *ownWrites) remember(name string, st *v1alpha1.NetworkInventoryStatus) {
	data, err := contentJSON(st, false)
	if err != nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.last[name] = sha256.Sum256(data)
}

func (o *ownWrites) forget(name string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.last, name)
}

// isOwn reports whether status content is what this manager last wrote.
func (o *ownWrites) isOwn(name string, content []byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	last, ok := o.last[name]
	return ok && last == sha256.Sum256(content)
}

// statusContent returns the content of an inventory's status, times left
// out, as remember hashes it; the raw JSON when it cannot be decoded.
func statusContent(obj client.Object) []byte {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil
	}
	raw, _ := u.Object["status"].(map[string]any)
	var st v1alpha1.NetworkInventoryStatus
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &st); err == nil {
		if data, err := contentJSON(&st, false); err == nil {
			return data
		}
	}
	data, _ := json.Marshal(raw)
	return data
}

// inventoryChanged lets through the inventory events that call for a
// recompute: creation, deletion, a new generation (the spec changed), and a
// status that someone other than this manager changed.
func (o *ownWrites) inventoryChanged() predicate.Funcs {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			if e.ObjectOld == nil || e.ObjectNew == nil {
				return true
			}
			if e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration() {
				return true
			}
			newContent := statusContent(e.ObjectNew)
			if bytes.Equal(statusContent(e.ObjectOld), newContent) {
				return false // metadata only: labels, annotations, a re-list
			}
			return !o.isOwn(e.ObjectNew.GetName(), newContent)
		},
	}
}
