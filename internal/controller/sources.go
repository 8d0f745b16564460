package controller

import (
	"context"
	"fmt"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"netinventory.io/netinventory/internal/snapshot"
)

// sourceTracker knows which source kinds the cluster serves and watches
// them. Core kinds are watched from the start; an optional kind is watched
// once its CRD exists and the API server serves it, and dropped when its
// CRD goes away, so CRDs installed or removed later need no restart.
type sourceTracker struct {
	cache   cache.Cache
	mapper  meta.RESTMapper
	handler handler.EventHandler

	mu sync.Mutex
	// ctrl is set once the controller is built.
	ctrl controller.Controller
	// watched maps each watched source to the version it is read at.
	watched map[*snapshot.Source]string
}

func newSourceTracker(c cache.Cache, mapper meta.RESTMapper, h handler.EventHandler) *sourceTracker {
	return &sourceTracker{cache: c, mapper: mapper, handler: h, watched: map[*snapshot.Source]string{}}
}

// crdMetadata returns an empty metadata-only CustomResourceDefinition, the
// form the cache holds them in (their schemas are large and unneeded).
func crdMetadata() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"))
	return m
}

// watch starts watching a source at a version.
func (t *sourceTracker) watch(src *snapshot.Source, version string) error {
	obj, err := src.NewObject(version)
	if err != nil {
		return err
	}
	if err := t.ctrl.Watch(source.Kind(t.cache, obj, t.handler)); err != nil {
		return fmt.Errorf("watching %s: %w", src, err)
	}
	t.watched[src] = version
	return nil
}

// startCore watches the core source kinds, which every cluster serves.
func (t *sourceTracker) startCore(ctrl controller.Controller) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ctrl = ctrl
	for _, src := range snapshot.Sources {
		if src.Optional {
			continue
		}
		if err := t.watch(src, src.Versions[0]); err != nil {
			return err
		}
	}
	return nil
}

// refresh brings the watches in line with the CRDs the cluster has, and
// returns the version each available source is read at, and whether a CRD
// exists whose kind is not served yet (worth looking at again soon).
func (t *sourceTracker) refresh(ctx context.Context) (map[*snapshot.Source]string, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	crds := &metav1.PartialObjectMetadataList{}
	crds.SetGroupVersionKind(apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinitionList"))
	if err := t.cache.List(ctx, crds); err != nil {
		return nil, false, fmt.Errorf("listing CustomResourceDefinitions: %w", err)
	}
	present := make(map[string]bool, len(crds.Items))
	for i := range crds.Items {
		present[crds.Items[i].Name] = true
	}
	pending := false
	for _, src := range snapshot.Sources {
		if !src.Optional {
			continue
		}
		_, watching := t.watched[src]
		switch {
		case present[src.CRDName()] && !watching:
			mapping, err := t.mapper.RESTMapping(src.GroupKind(), src.Versions...)
			if err != nil {
				// Not served yet (the CRD is not established, or the
				// discovery information is stale): look again soon.
				log.FromContext(ctx).V(1).Info("source not served yet", "source", src.String(), "reason", err.Error())
				pending = true
				continue
			}
			if err := t.watch(src, mapping.GroupVersionKind.Version); err != nil {
				return nil, false, err
			}
			log.FromContext(ctx).Info("watching source", "source", src.String(), "version", mapping.GroupVersionKind.Version)
		case !present[src.CRDName()] && watching:
			obj, err := src.NewObject(t.watched[src])
			if err != nil {
				return nil, false, err
			}
			if err := t.cache.RemoveInformer(ctx, obj); err != nil {
				return nil, false, fmt.Errorf("stopping the watch of %s: %w", src, err)
			}
			delete(t.watched, src)
			log.FromContext(ctx).Info("source gone, no longer watched", "source", src.String())
		}
	}
	versions := make(map[*snapshot.Source]string, len(t.watched))
	for src, v := range t.watched {
		versions[src] = v
	}
	return versions, pending, nil
}

var _ client.Object = &metav1.PartialObjectMetadata{}
