package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"netinventory.io/netinventory/internal/snapshot"
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
// reads: name, namespace, labels, owner, phase, hostNetwork, node, service
// account (Cilium identities carry it), each container's name, image,
// command, arguments and ports (named target ports, authentication proxies
// and tunnel clients are recognised by them), and the ConfigMaps its
// volumes mount (a tunnel's configuration). Values equal among pods are
// shared (the pods of one workload have the same labels, owner, containers
// and volumes), so the cache holds them once.
func TrimPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil // e.g. a DeletedFinalStateUnknown tombstone
	}
	trimmed := &corev1.Pod{
		TypeMeta: p.TypeMeta,
		Spec: corev1.PodSpec{
			HostNetwork:        p.Spec.HostNetwork,
			NodeName:           cachedPods.str(p.Spec.NodeName),
			ServiceAccountName: cachedPods.str(p.Spec.ServiceAccountName),
			Containers:         cachedPods.containerSet(p.Spec.Containers),
			Volumes:            cachedPods.volumeSet(p.Spec.Volumes),
		},
		Status: corev1.PodStatus{Phase: p.Status.Phase},
	}
	trimmed.Name = p.Name
	trimmed.Namespace = cachedPods.str(p.Namespace)
	trimmed.UID = p.UID
	trimmed.ResourceVersion = p.ResourceVersion
	trimmed.Labels = cachedPods.labelSet(p.Labels)
	trimmed.DeletionTimestamp = p.DeletionTimestamp
	trimmed.OwnerReferences = cachedPods.controllerOf(p.OwnerReferences)
	return trimmed, nil
}

var _ toolscache.TransformFunc = TrimPod

func trimContainers(in []corev1.Container) []corev1.Container {
	if len(in) == 0 {
		return nil
	}
	out := make([]corev1.Container, len(in))
	for i, c := range in {
		out[i] = corev1.Container{Name: c.Name, Image: c.Image, Command: c.Command, Args: c.Args}
		for _, port := range c.Ports {
			out[i].Ports = append(out[i].Ports, corev1.ContainerPort{Name: port.Name, ContainerPort: port.ContainerPort, Protocol: port.Protocol})
		}
	}
	return out
}

// configMapVolumes keeps the volumes that mount ConfigMaps, directly or
// projected, and of them only the ConfigMaps' names.
func configMapVolumes(in []corev1.Volume) []corev1.Volume {
	var out []corev1.Volume
	for _, v := range in {
		switch {
		case v.ConfigMap != nil:
			out = append(out, corev1.Volume{Name: v.Name, VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: v.ConfigMap.LocalObjectReference}}})
		case v.Projected != nil:
			var sources []corev1.VolumeProjection
			for _, src := range v.Projected.Sources {
				if src.ConfigMap != nil {
					sources = append(sources, corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: src.ConfigMap.LocalObjectReference}})
				}
			}
			if len(sources) > 0 {
				out = append(out, corev1.Volume{Name: v.Name, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: sources}}})
			}
		}
	}
	return out
}

// storeReader reads the manager's cache and hands out the objects its
// informers store without copying them (snapshot.ObjectLister): a
// recompute then copies no pod at all.
type storeReader struct {
	cache.Cache
}

var _ snapshot.ObjectLister = storeReader{}

// indexed is what a client-go shared informer offers beyond
// controller-runtime's Informer interface.
type indexed interface {
	GetIndexer() toolscache.Indexer
}

// ListObjects returns the objects of obj's kind in the cache's store once
// its informer has synced; until then, or when the informer does not
// expose its store, it lists through list with the cache's List (which
// waits for the sync, or fails when the cache has not started).
func (s storeReader) ListObjects(ctx context.Context, obj client.Object, list client.ObjectList) ([]runtime.Object, error) {
	informer, err := s.GetInformer(ctx, obj)
	if err != nil {
		return nil, err
	}
	ix, ok := informer.(indexed)
	if !ok || !informer.HasSynced() {
		if err := s.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
			return nil, err
		}
		return meta.ExtractList(list)
	}
	items := ix.GetIndexer().List()
	objs := make([]runtime.Object, 0, len(items))
	for _, item := range items {
		o, ok := item.(runtime.Object)
		if !ok {
			return nil, fmt.Errorf("the cache holds a %T, not an object", item)
		}
		objs = append(objs, o)
	}
	return objs, nil
}
