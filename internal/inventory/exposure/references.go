package exposure

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
)

// grantIndex answers whether a ReferenceGrant permits a cross-namespace
// reference.
type grantIndex struct {
	byNamespace map[string][]*gwv1.ReferenceGrant
}

func newGrantIndex(grants []gwv1.ReferenceGrant) *grantIndex {
	g := &grantIndex{byNamespace: map[string][]*gwv1.ReferenceGrant{}}
	for i := range grants {
		rg := &grants[i]
		g.byNamespace[rg.Namespace] = append(g.byNamespace[rg.Namespace], rg)
	}
	for ns := range g.byNamespace {
		slices.SortFunc(g.byNamespace[ns], func(a, b *gwv1.ReferenceGrant) int { return cmp.Compare(a.Name, b.Name) })
	}
	return g
}

// permit returns the grant, as namespace/name, that lets an object of
// fromGroup/fromKind in fromNS refer to toGroup/toKind toName in toNS, or
// "". Groups compare exactly: an empty group is the core group, as the
// ReferenceGrant API says, so `group: ""` never matches an HTTPRoute.
func (g *grantIndex) permit(fromGroup, fromKind, fromNS, toGroup, toKind, toNS, toName string) string {
	for _, rg := range g.byNamespace[toNS] {
		from := slices.ContainsFunc(rg.Spec.From, func(f gwv1.ReferenceGrantFrom) bool {
			return string(f.Group) == fromGroup && string(f.Kind) == fromKind && string(f.Namespace) == fromNS
		})
		if !from {
			continue
		}
		to := slices.ContainsFunc(rg.Spec.To, func(t gwv1.ReferenceGrantTo) bool {
			return string(t.Group) == toGroup && string(t.Kind) == toKind && (t.Name == nil || string(*t.Name) == toName)
		})
		if to {
			return rg.Namespace + "/" + rg.Name
		}
	}
	return ""
}

// resolver checks references against the grants and the objects that
// exist. It records nothing: each phase keeps the references it makes.
type resolver struct {
	grants *grantIndex
	sc     *scope.Scope
}

func newResolver(sc *scope.Scope) *resolver {
	return &resolver{grants: newGrantIndex(sc.Snap.ReferenceGrants), sc: sc}
}

// resolve returns a reference, checked.
func (r *resolver) resolve(from v1alpha1.ObjectRef, fromGroup string, to v1alpha1.ObjectRef, toGroup string) model.Reference {
	ref := model.Reference{From: from, FromGroup: fromGroup, To: to, ToGroup: toGroup, Permitted: true, Exists: true}
	if exists, checked := r.sc.Exists(toGroup, to.Kind, to.Namespace, to.Name); checked {
		ref.Exists = exists
	}
	if from.Namespace != to.Namespace {
		ref.CrossNamespace = true
		ref.Grant = r.grants.permit(fromGroup, from.Kind, from.Namespace, toGroup, to.Kind, to.Namespace, to.Name)
		ref.Permitted = ref.Grant != ""
	}
	return ref
}

// mergeReferences returns the references, once each, sorted.
func mergeReferences(lists ...[]model.Reference) []model.Reference {
	var out []model.Reference
	seen := map[string]bool{}
	for _, list := range lists {
		for _, ref := range list {
			key := fmt.Sprintf("%s|%v|%s|%v", ref.FromGroup, ref.From, ref.ToGroup, ref.To)
			if !seen[key] {
				seen[key] = true
				out = append(out, ref)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b model.Reference) int {
		return cmp.Or(scope.CompareRefs(a.From, b.From), scope.CompareRefs(a.To, b.To))
	})
	return out
}

// grantUsage counts the references each grant (namespace/name) permits.
func grantUsage(refs []model.Reference) map[string]int32 {
	used := map[string]int32{}
	for _, ref := range refs {
		if ref.Grant != "" {
			used[ref.Grant]++
		}
	}
	return used
}

// referenceGrantEntries describes the grants in scope, with how many
// references each permits.
func referenceGrantEntries(sc *scope.Scope, used map[string]int32) []v1alpha1.ReferenceGrantEntry {
	var out []v1alpha1.ReferenceGrantEntry
	for _, rg := range scope.Of(sc, sc.Snap.ReferenceGrants) {
		e := v1alpha1.ReferenceGrantEntry{Namespace: rg.Namespace, Name: rg.Name, References: used[rg.Namespace+"/"+rg.Name]}
		for _, f := range rg.Spec.From {
			e.From = append(e.From, v1alpha1.GrantFrom{Group: string(f.Group), Kind: string(f.Kind), Namespace: string(f.Namespace)})
		}
		for _, t := range rg.Spec.To {
			to := v1alpha1.GrantTo{Group: string(t.Group), Kind: string(t.Kind)}
			if t.Name != nil {
				to.Name = string(*t.Name)
			}
			e.To = append(e.To, to)
		}
		e.Purpose = scope.PurposeOf(rg)
		if e.Purpose == "" {
			e.Purpose = grantPurpose(e)
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b v1alpha1.ReferenceGrantEntry) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// grantPurpose derives a human purpose from a grant's from and to, e.g.
// "Allow HTTPRoutes in network to reference Service headlamp".
func grantPurpose(e v1alpha1.ReferenceGrantEntry) string {
	var froms, tos []string
	for _, f := range e.From {
		froms = append(froms, fmt.Sprintf("%ss in %s", f.Kind, f.Namespace))
	}
	for _, t := range e.To {
		if t.Name != "" {
			tos = append(tos, t.Kind+" "+t.Name)
		} else {
			tos = append(tos, "any "+t.Kind)
		}
	}
	return fmt.Sprintf("Allow %s to reference %s", strings.Join(froms, ", "), strings.Join(tos, ", "))
}
