package exposure

import (
	"cmp"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
)

// attachment is a route attached to one listener of a gateway, with the
// hostnames it exposes there.
type attachment struct {
	route     *route
	gateway   *gwv1.Gateway
	listener  *gwv1.Listener
	hostnames []string
}

// attachRoutes attaches every route in scope to the listeners that admit
// it. It returns the attachments, in route order, and the parent references
// that expose nothing or expose with a problem, sorted.
func attachRoutes(sc *scope.Scope, routes []*route) ([]attachment, []model.RouteProblem) {
	var out []attachment
	var problems []model.RouteProblem
	for _, r := range routes {
		if !sc.InScope(r.meta.Namespace) {
			continue
		}
		for _, p := range r.parents {
			atts, problem := attach(sc, r, p)
			out = append(out, atts...)
			if problem != nil {
				problems = append(problems, *problem)
			}
		}
	}
	slices.SortFunc(problems, func(a, b model.RouteProblem) int {
		return cmp.Or(scope.CompareRefs(a.Route, b.Route), cmp.Compare(a.Parent, b.Parent))
	})
	return out, problems
}

func parentString(ns string, p gwv1.ParentReference) string {
	s := ns + "/" + string(p.Name)
	if p.SectionName != nil {
		s += "/" + string(*p.SectionName)
	}
	if p.Port != nil {
		s += fmt.Sprintf(":%d", *p.Port)
	}
	return s
}

// attach attaches a route to the listeners of one parent reference.
func attach(sc *scope.Scope, r *route, p gwv1.ParentReference) ([]attachment, *model.RouteProblem) {
	if (p.Group != nil && *p.Group != gwv1.GroupName) || (p.Kind != nil && *p.Kind != scope.KindGateway) {
		return nil, nil // a mesh Service or another kind of parent: not a gateway exposure
	}
	ns := r.meta.Namespace
	if p.Namespace != nil {
		ns = string(*p.Namespace)
	}
	problem := func(reason model.ProblemReason, format string, args ...any) *model.RouteProblem {
		return &model.RouteProblem{Route: r.ref(), Parent: parentString(ns, p), Reason: reason, Message: fmt.Sprintf(format, args...)}
	}
	gw := sc.Gateways[types.NamespacedName{Namespace: ns, Name: string(p.Name)}]
	if gw == nil {
		return nil, problem(model.ProblemParentNotFound, "parent Gateway %s/%s does not exist", ns, p.Name)
	}
	// Unresolved references leave the route attached (its valid backends
	// still get traffic), but are a problem.
	var unresolved *model.RouteProblem
	st := parentStatus(r, ns, p)
	if st != nil && scope.StatusIsStale(st.Conditions, r.meta.Generation) {
		// The controller has not caught up with the route's spec: its
		// verdict is for an older spec, so the spec is judged instead.
		unresolved = problem(model.ProblemStaleStatus, "the status under %s is for an older generation than %d; judged by the spec",
			parentString(ns, p), r.meta.Generation)
		st = nil
	}
	if st != nil {
		if c := meta.FindStatusCondition(st.Conditions, string(gwv1.RouteConditionAccepted)); c != nil && c.Status == metav1.ConditionFalse {
			return nil, problem(model.ProblemNotAccepted, "not accepted by %s: %s: %s", parentString(ns, p), c.Reason, c.Message)
		}
		if c := meta.FindStatusCondition(st.Conditions, string(gwv1.RouteConditionResolvedRefs)); c != nil && c.Status == metav1.ConditionFalse {
			unresolved = problem(model.ProblemUnresolvedRefs, "references not resolved under %s: %s: %s", parentString(ns, p), c.Reason, c.Message)
		}
	}
	var out []attachment
	matched, allowed := 0, 0
	for i := range gw.Spec.Listeners {
		l := &gw.Spec.Listeners[i]
		if (p.SectionName != nil && *p.SectionName != l.Name) || (p.Port != nil && *p.Port != l.Port) {
			continue
		}
		matched++
		if !listenerAdmits(sc, gw, l, r) {
			continue
		}
		allowed++
		hostnames := []string{""}
		if r.hasHostnames {
			listenerHost := ""
			if l.Hostname != nil {
				listenerHost = string(*l.Hostname)
			}
			hostnames = intersectHostnames(listenerHost, hostnameStrings(r.hostnames))
		}
		if len(hostnames) > 0 {
			out = append(out, attachment{route: r, gateway: gw, listener: l, hostnames: hostnames})
		}
	}
	switch {
	case matched == 0:
		return nil, problem(model.ProblemNoMatchingListener, "%s has no listener matching sectionName/port", parentString(ns, p))
	case allowed == 0:
		return nil, problem(model.ProblemNotAllowedByListener, "the listeners of %s do not admit %s from namespace %s",
			parentString(ns, p), r.kind, r.meta.Namespace)
	case len(out) == 0:
		return nil, problem(model.ProblemNoMatchingHostname, "none of the route's hostnames %v matches a listener of %s",
			r.hostnames, parentString(ns, p))
	}
	return out, unresolved
}

// parentStatus returns the route's status for a parent reference, if its
// controller wrote one.
func parentStatus(r *route, ns string, p gwv1.ParentReference) *gwv1.RouteParentStatus {
	for i := range r.status {
		sp := r.status[i].ParentRef
		spNS := r.meta.Namespace
		if sp.Namespace != nil {
			spNS = string(*sp.Namespace)
		}
		if sp.Name == p.Name && spNS == ns && sectionName(sp.SectionName) == sectionName(p.SectionName) &&
			ptrEqual(sp.Port, p.Port) {
			return &r.status[i]
		}
	}
	return nil
}

func ptrEqual[T comparable](a, b *T) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// listenerAdmits applies a listener's allowedRoutes to a route: its
// namespace (Same, All, Selector) and its kind.
func listenerAdmits(sc *scope.Scope, gw *gwv1.Gateway, l *gwv1.Listener, r *route) bool {
	if !slices.Contains(allowedKindNames(*l), r.kind) {
		return false
	}
	from := gwv1.NamespacesFromSame
	var selector *metav1.LabelSelector
	if l.AllowedRoutes != nil && l.AllowedRoutes.Namespaces != nil {
		if l.AllowedRoutes.Namespaces.From != nil {
			from = *l.AllowedRoutes.Namespaces.From
		}
		selector = l.AllowedRoutes.Namespaces.Selector
	}
	switch from {
	case gwv1.NamespacesFromAll:
		return true
	case gwv1.NamespacesFromSelector:
		if selector == nil {
			return false
		}
		sel, err := metav1.LabelSelectorAsSelector(selector)
		if err != nil {
			return false // an invalid selector admits nothing
		}
		ns := sc.Namespaces[r.meta.Namespace]
		return ns != nil && sel.Matches(labels.Set(ns.Labels))
	default:
		return r.meta.Namespace == gw.Namespace
	}
}

func hostnameStrings(hs []gwv1.Hostname) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = string(h)
	}
	return out
}
