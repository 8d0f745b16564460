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
		list, err := src.NewList(version)
		if err != nil {
			return nil, err
		}
		// The engine never mutates what it reads, so the cache's copy is enough.
		if err := r.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
			return nil, fmt.Errorf("listing %s: %w", src, err)
		}
		src.grow(s, meta.LenList(list)) // one allocation, not one per doubling
		err = meta.EachListItem(list, func(obj runtime.Object) error { return src.Add(s, obj) })
		if err != nil {
			return nil, err
		}
		s.Sources = append(s.Sources, SourceState{Source: src, Available: true, Version: version})
	}
	return s, nil
}
