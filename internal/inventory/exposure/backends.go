package exposure

import (
	"fmt"

	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
)

// backends are the resolved backends of the routes in scope, every rule's,
// once each, with the references they make.
type backends struct {
	of         map[*route][]v1alpha1.BackendEntry
	references []model.Reference
}

// resolveBackends resolves the backends of every route in scope, attached
// or not: a route's references count whether or not it exposes anything.
func resolveBackends(sc *scope.Scope, routes []*route, res *resolver) *backends {
	b := &backends{of: make(map[*route][]v1alpha1.BackendEntry, len(routes))}
	for _, r := range routes {
		if !sc.InScope(r.meta.Namespace) {
			continue
		}
		var entries []v1alpha1.BackendEntry
		seen := map[string]bool{}
		for _, rule := range r.rules {
			for _, ref := range rule.backends {
				e, reference := backendEntry(r, ref.BackendObjectReference, res)
				b.references = append(b.references, reference)
				key := fmt.Sprintf("%s/%s/%s/%d", e.Kind, e.Namespace, e.Name, e.Port)
				if !seen[key] {
					seen[key] = true
					entries = append(entries, e)
				}
			}
		}
		b.of[r] = entries
	}
	return b
}

func backendEntry(r *route, b gwv1.BackendObjectReference, res *resolver) (v1alpha1.BackendEntry, model.Reference) {
	group, kind, ns := "", scope.KindService, r.meta.Namespace
	if b.Group != nil {
		group = string(*b.Group)
	}
	if b.Kind != nil {
		kind = string(*b.Kind)
	}
	if b.Namespace != nil {
		ns = string(*b.Namespace)
	}
	to := v1alpha1.ObjectRef{Kind: kind, Namespace: ns, Name: string(b.Name)}
	ref := res.resolve(r.ref(), gwv1.GroupName, to, group)
	e := v1alpha1.BackendEntry{Kind: kind, Namespace: ns, Name: string(b.Name), Exists: ref.Exists, Permitted: ref.Permitted}
	if b.Port != nil {
		e.Port = int32(*b.Port)
	}
	return e, ref
}
