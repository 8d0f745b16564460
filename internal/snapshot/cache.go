package snapshot

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// FromReader lists every available source kind from a reader (the
// controller's cache) into a Snapshot. versions maps each available source
// to the version to read it at; sources absent from it are recorded as
// missing.
func FromReader(ctx context.Context, r client.Reader, versions map[*Source]string) (*Snapshot, error) {
	s := &Snapshot{}
	for _, src := range Sources {
		version, ok := versions[src]
		if !ok {
			s.Sources = append(s.Sources, SourceState{Source: src})
			continue
		}
		objs, err := listObjects(ctx, r, src, version)
		if err != nil {
			return nil, err
		}
		src.grow(s, len(objs)) // one allocation, not one per doubling
		for _, obj := range objs {
			if err := src.Add(s, obj); err != nil {
				return nil, err
			}
		}
		s.Sources = append(s.Sources, SourceState{Source: src, Available: true, Version: version})
	}
	return s, nil
}

// ObjectLister is a reader that can hand out the objects it holds without
// copying them (a controller cache's store). The objects are shared: they
// must not be modified.
type ObjectLister interface {
	// ListObjects returns every object of obj's kind the reader holds;
	// list is an empty list of that kind, for readers that must copy.
	ListObjects(ctx context.Context, obj client.Object, list client.ObjectList) ([]runtime.Object, error)
}

// listObjects returns the objects of a source kind at a version, shared
// with the reader when it is an ObjectLister, else listed from it (the
// engine never modifies what it reads, so the cache's copy is enough).
func listObjects(ctx context.Context, r client.Reader, src *Source, version string) ([]runtime.Object, error) {
	list, err := src.NewList(version)
	if err != nil {
		return nil, err
	}
	if lister, ok := r.(ObjectLister); ok {
		obj, err := src.NewObject(version)
		if err != nil {
			return nil, err
		}
		objs, err := lister.ListObjects(ctx, obj, list)
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", src, err)
		}
		return objs, nil
	}
	if err := r.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing %s: %w", src, err)
	}
	return meta.ExtractList(list) // pointers into the list: no copy
}
