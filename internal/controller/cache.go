package controller

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// activePodsSelector keeps terminal pods out of the cache: Succeeded and
// Failed pods hold no network identity.
const activePodsSelector = "status.phase!=Succeeded,status.phase!=Failed"

// CacheOptions returns the cache options the manager needs: managedFields
// stripped from every object, and pods trimmed to what the engine reads and
// limited to non-terminal ones.
func CacheOptions() cache.Options {
	return cache.Options{
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Pod{}: {
				Field:     fields.ParseSelectorOrDie(activePodsSelector),
				Transform: TrimPod,
			},
		},
	}
}

// TrimPod is a cache transform that keeps of a Pod only what the engine
// reads: name, namespace, labels, owner, phase, hostNetwork, node and
// service account (Cilium identities carry it).
func TrimPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil // e.g. a DeletedFinalStateUnknown tombstone
	}
	trimmed := &corev1.Pod{
		TypeMeta: p.TypeMeta,
		Spec: corev1.PodSpec{
			HostNetwork:        p.Spec.HostNetwork,
			NodeName:           p.Spec.NodeName,
			ServiceAccountName: p.Spec.ServiceAccountName,
		},
		Status: corev1.PodStatus{Phase: p.Status.Phase},
	}
	trimmed.Name = p.Name
	trimmed.Namespace = p.Namespace
	trimmed.UID = p.UID
	trimmed.ResourceVersion = p.ResourceVersion
	trimmed.Labels = p.Labels
	trimmed.DeletionTimestamp = p.DeletionTimestamp
	for _, ref := range p.OwnerReferences {
		if ref.Controller != nil && *ref.Controller {
			trimmed.OwnerReferences = append(trimmed.OwnerReferences, ref)
		}
	}
	return trimmed, nil
}

var _ toolscache.TransformFunc = TrimPod
