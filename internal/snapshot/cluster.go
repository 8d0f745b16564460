package snapshot

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ServedVersions asks a REST mapper, for every source, for the most
// preferred version the API server serves; unserved sources are left out.
func ServedVersions(mapper meta.RESTMapper) map[*Source]string {
	out := map[*Source]string{}
	for _, src := range Sources {
		if mapping, err := mapper.RESTMapping(src.GroupKind(), src.Versions...); err == nil {
			out[src] = mapping.GroupVersionKind.Version
		}
	}
	return out
}

// FromCluster lists every served source kind from an API server.
func FromCluster(ctx context.Context, c client.Client) (*Snapshot, error) {
	return FromReader(ctx, c, ServedVersions(c.RESTMapper()))
}
