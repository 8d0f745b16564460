package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"netinventory.io/netinventory/internal/snapshot"
)

// DefaultCiliumNamespace is where Cilium's cilium-config ConfigMap is read.
const DefaultCiliumNamespace = "kube-system"

// readCiliumConfig reads Cilium's policy enforcement mode from the
// cilium-config ConfigMap, straight from the API server: it is the one
// ConfigMap the manager may read (RBAC by name), so it is not cached. Absent
// or unreadable, the mode is default and the Snapshot says why.
func readCiliumConfig(ctx context.Context, r client.Reader, namespace string, snap *snapshot.Snapshot) {
	state := &snapshot.ObjectState{Kind: "ConfigMap", Namespace: namespace, Name: snapshot.CiliumConfigName}
	snap.CiliumConfig = state
	var cm corev1.ConfigMap
	err := r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: snapshot.CiliumConfigName}, &cm)
	switch {
	case apierrors.IsNotFound(err):
		state.Message = "absent (Cilium not installed, or in another namespace: --cilium-namespace); policy enforcement read as default"
		return
	case err != nil:
		state.Message = fmt.Sprintf("not readable (%v); policy enforcement read as default", err)
		return
	}
	state.Available = true
	read, err := snapshot.ApplyCiliumConfig(snap, cm.Data)
	if err != nil {
		state.Message = fmt.Sprintf("%v; policy enforcement read as default", err)
		return
	}
	state.Message = read
}
