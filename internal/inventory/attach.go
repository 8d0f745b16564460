package inventory

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
)

// Reasons a route parent attachment exposes nothing.
const (
	ProblemNotAccepted          = "NotAccepted"
	ProblemUnresolvedRefs       = "UnresolvedRefs"
	ProblemParentNotFound       = "ParentNotFound"
	ProblemNoMatchingListener   = "NoMatchingListener"
	ProblemNotAllowedByListener = "NotAllowedByListener"
	ProblemNoMatchingHostname   = "NoMatchingHostname"
	ProblemNoPermittedBackend   = "NoPermittedBackend"
	ProblemStaleStatus          = "StaleStatus"
)

// attachment is a route attached to one listener of a gateway, with the
// hostnames it exposes there.
type attachment struct {
	route     *route
	gateway   *gwv1.Gateway
	listener  *gwv1.Listener
	hostnames []string
}

// exposures attaches every route in scope to the listeners that admit it.
// It returns the attachments, sorted, and the attachments that expose
// nothing, with why.
func (m *engine) exposures() ([]attachment, []model.RouteProblem) {
	var out []attachment
	var problems []model.RouteProblem
	for _, r := range m.routes {
		if !m.inNamespaceScope(r.meta.Namespace) {
			continue
		}
		for _, p := range r.parents {
			atts, problem := m.attach(r, p)
			out = append(out, atts...)
			if problem != nil {
				problems = append(problems, *problem)
			}
		}
	}
	slices.SortFunc(problems, func(a, b model.RouteProblem) int {
		return cmp.Or(compareRefs(a.Route, b.Route), cmp.Compare(a.Parent, b.Parent))
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
func (m *engine) attach(r *route, p gwv1.ParentReference) ([]attachment, *model.RouteProblem) {
	if (p.Group != nil && *p.Group != gwv1.GroupName) || (p.Kind != nil && *p.Kind != kindGateway) {
		return nil, nil // a mesh Service or another kind of parent: not a gateway exposure
	}
	ns := r.meta.Namespace
	if p.Namespace != nil {
		ns = string(*p.Namespace)
	}
	problem := func(reason, format string, args ...any) *model.RouteProblem {
		return &model.RouteProblem{Route: r.ref(), Parent: parentString(ns, p), Reason: reason, Message: fmt.Sprintf(format, args...)}
	}
	gw := m.gateways[types.NamespacedName{Namespace: ns, Name: string(p.Name)}]
	if gw == nil {
		return nil, problem(ProblemParentNotFound, "parent Gateway %s/%s does not exist", ns, p.Name)
	}
	// Unresolved references leave the route attached (its valid backends
	// still get traffic), but are a problem.
	var unresolved *model.RouteProblem
	st := parentStatus(r, ns, p)
	if st != nil && statusIsStale(st.Conditions, r.meta.Generation) {
		// The controller has not caught up with the route's spec: its
		// verdict is for an older spec, so the spec is judged instead.
		unresolved = problem(ProblemStaleStatus, "the status under %s is for an older generation than %d; judged by the spec",
			parentString(ns, p), r.meta.Generation)
		st = nil
	}
	if st != nil {
		if c := meta.FindStatusCondition(st.Conditions, string(gwv1.RouteConditionAccepted)); c != nil && c.Status == metav1.ConditionFalse {
			return nil, problem(ProblemNotAccepted, "not accepted by %s: %s: %s", parentString(ns, p), c.Reason, c.Message)
		}
		if c := meta.FindStatusCondition(st.Conditions, string(gwv1.RouteConditionResolvedRefs)); c != nil && c.Status == metav1.ConditionFalse {
			unresolved = problem(ProblemUnresolvedRefs, "references not resolved under %s: %s: %s", parentString(ns, p), c.Reason, c.Message)
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
		if !m.listenerAdmits(gw, l, r) {
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
		return nil, problem(ProblemNoMatchingListener, "%s has no listener matching sectionName/port", parentString(ns, p))
	case allowed == 0:
		return nil, problem(ProblemNotAllowedByListener, "the listeners of %s do not admit %s from namespace %s",
			parentString(ns, p), r.kind, r.meta.Namespace)
	case len(out) == 0:
		return nil, problem(ProblemNoMatchingHostname, "none of the route's hostnames %v matches a listener of %s",
			r.hostnames, parentString(ns, p))
	}
	return out, unresolved
}

// statusIsStale reports whether conditions were written for an older
// generation than the object's.
func statusIsStale(conds []metav1.Condition, generation int64) bool {
	for _, c := range conds {
		if c.ObservedGeneration != 0 && generation != 0 && c.ObservedGeneration < generation {
			return true
		}
	}
	return false
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
func (m *engine) listenerAdmits(gw *gwv1.Gateway, l *gwv1.Listener, r *route) bool {
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
		ns := m.namespaces[r.meta.Namespace]
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

// endpointEntries turns attachments into endpoints: one per hostname a
// route exposes on a listener, with its permitted backends and the
// authentication that applies. Routes that forward nowhere (redirects)
// expose no endpoint; routes whose every backend is refused for lack of a
// ReferenceGrant neither, and become problems.
func (m *engine) endpointEntries(atts []attachment) ([]v1alpha1.EndpointEntry, []model.RouteProblem) {
	var out []v1alpha1.EndpointEntry
	var problems []model.RouteProblem
	reported := map[string]bool{}
	for _, a := range atts {
		if !a.route.exposesBackends() {
			continue
		}
		backends := m.backendEntries(a.route)
		if !slices.ContainsFunc(backends, func(b v1alpha1.BackendEntry) bool { return b.Permitted }) {
			if key := a.route.ref().Namespace + "/" + a.route.ref().Name; !reported[key] {
				reported[key] = true
				problems = append(problems, model.RouteProblem{Route: a.route.ref(), Parent: a.gateway.Namespace + "/" + a.gateway.Name,
					Reason: ProblemNoPermittedBackend, Message: "every backend is in another namespace and no ReferenceGrant permits it"})
			}
			continue
		}
		exposure, _ := m.exposure.classify(kindGateway, a.gateway)
		for _, h := range a.hostnames {
			out = append(out, v1alpha1.EndpointEntry{
				Hostname: h, Port: int32(a.listener.Port), Protocol: string(a.listener.Protocol),
				Gateway: a.gateway.Namespace + "/" + a.gateway.Name, Listener: string(a.listener.Name),
				Exposure: exposure, Route: a.route.ref(), Backends: backends,
				Authentication: m.authenticationOf(a, backends),
				Purpose:        m.endpointPurpose(a.route, backends),
			})
		}
	}
	slices.SortFunc(out, compareEndpoints)
	return out, problems
}

// compareEndpoints orders public endpoints first, then by hostname,
// gateway, listener and route.
func compareEndpoints(a, b v1alpha1.EndpointEntry) int {
	rank := func(e v1alpha1.Exposure) int {
		if e == v1alpha1.ExposurePublic {
			return 0
		}
		return 1
	}
	return cmp.Or(cmp.Compare(rank(a.Exposure), rank(b.Exposure)), cmp.Compare(a.Hostname, b.Hostname),
		cmp.Compare(a.Gateway, b.Gateway), cmp.Compare(a.Listener, b.Listener), compareRefs(a.Route, b.Route))
}

// backendEntries resolves a route's backends, every rule's, once each; a
// route is resolved once per recompute however many listeners it attaches to.
func (m *engine) backendEntries(r *route) []v1alpha1.BackendEntry {
	if out, ok := m.backends[r]; ok {
		return out
	}
	var out []v1alpha1.BackendEntry
	seen := map[string]bool{}
	for _, rule := range r.rules {
		for _, b := range rule.backends {
			e := m.backendEntry(r, b.BackendObjectReference)
			key := fmt.Sprintf("%s/%s/%s/%d", e.Kind, e.Namespace, e.Name, e.Port)
			if !seen[key] {
				seen[key] = true
				out = append(out, e)
			}
		}
	}
	m.backends[r] = out
	return out
}

func (m *engine) backendEntry(r *route, b gwv1.BackendObjectReference) v1alpha1.BackendEntry {
	group, kind, ns := "", kindService, r.meta.Namespace
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
	ref := m.refs.add(r.ref(), gwv1.GroupName, to, group)
	e := v1alpha1.BackendEntry{Kind: kind, Namespace: ns, Name: string(b.Name), Exists: ref.Exists, Permitted: ref.Permitted}
	if b.Port != nil {
		e.Port = int32(*b.Port)
	}
	return e
}

// endpointPurpose is the route's purpose, else its first backend Service's.
func (m *engine) endpointPurpose(r *route, backends []v1alpha1.BackendEntry) string {
	if p := purposeOf(r.meta); p != "" {
		return p
	}
	for _, b := range backends {
		if svc := m.services[types.NamespacedName{Namespace: b.Namespace, Name: b.Name}]; svc != nil && b.Kind == kindService {
			if p := purposeOf(svc); p != "" {
				return p
			}
		}
	}
	return ""
}

// declaredAuthentication is the netinventory.io/authentication annotation
// of a route, else of its first backend Service that has one.
func (m *engine) declaredAuthentication(r *route, backends []v1alpha1.BackendEntry) string {
	if v := strings.TrimSpace(r.meta.Annotations[AnnotationAuthentication]); v != "" {
		return v
	}
	for _, b := range backends {
		if svc := m.services[types.NamespacedName{Namespace: b.Namespace, Name: b.Name}]; svc != nil && b.Kind == kindService {
			if v := strings.TrimSpace(svc.Annotations[AnnotationAuthentication]); v != "" {
				return v
			}
		}
	}
	return ""
}
