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
// reads, as a snapshot.Pod (a quarter of a Pod's size): name, namespace,
// labels, controller owner, phase, hostNetwork, node, service account
// (Cilium identities carry it), each container's name, image, command,
// arguments and ports (named target ports, authentication proxies and
// tunnel clients are recognised by them), and the ConfigMaps its volumes
// mount (a tunnel's configuration). Values equal among pods are shared
// (the pods of one workload have the same labels, owner, containers and
// volumes), so the cache holds them once.
func TrimPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil // e.g. a DeletedFinalStateUnknown tombstone
	}
	return snapshot.CompactPod(p, cachedPods), nil
}

var _ toolscache.TransformFunc = TrimPod

// cachedPods is what TrimPod shares values through.
var cachedPods = &snapshot.SharedPodParts{}

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

// ListObjects returns the objects of obj's kind in the cache's store,
// once its informer has synced (it waits for that). When the informer does
// not expose its store, it lists through list with the cache's List; that
// cannot serve pods, which the store holds as snapshot.Pod.
func (s storeReader) ListObjects(ctx context.Context, obj client.Object, list client.ObjectList) ([]runtime.Object, error) {
	informer, err := s.GetInformer(ctx, obj)
	if err != nil {
		return nil, err
	}
	ix, ok := informer.(indexed)
	if !ok {
		if err := s.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
			return nil, err
		}
		return meta.ExtractList(list)
	}
	if !toolscache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		return nil, fmt.Errorf("%T: the cache did not sync: %w", obj, ctx.Err())
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
