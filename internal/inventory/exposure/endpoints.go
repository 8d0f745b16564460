package exposure

import (
	"cmp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/types"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
)

// endpoints are what the attachments expose, with how SecurityPolicies
// were used to decide their authentication.
type endpoints struct {
	entries  []v1alpha1.EndpointEntry
	problems []model.RouteProblem
	uses     []policyUse
}

// buildEndpoints turns attachments into endpoints: one per hostname a
// route exposes on a listener, with its permitted backends and the
// authentication that applies. Routes that forward nowhere (redirects)
// expose no endpoint; routes whose every backend is refused for lack of a
// ReferenceGrant neither, and become problems.
func buildEndpoints(sc *scope.Scope, atts []attachment, resolved *backends, policies *policyIndex) *endpoints {
	out := &endpoints{}
	src := authSources{policies: policies, clientCerts: indexClientCertPolicies(sc),
		backends: &backendGuards{sc: sc, memo: map[backendKey]*backendGuard{}}}
	reported := map[string]bool{}
	for _, a := range atts {
		if !a.route.exposesBackends() {
			continue
		}
		backends := resolved.of[a.route]
		if !slices.ContainsFunc(backends, func(b v1alpha1.BackendEntry) bool { return b.Permitted }) {
			if key := a.route.ref().Namespace + "/" + a.route.ref().Name; !reported[key] {
				reported[key] = true
				out.problems = append(out.problems, model.RouteProblem{Route: a.route.ref(), Parent: a.gateway.Namespace + "/" + a.gateway.Name,
					Reason: model.ProblemNoPermittedBackend, Message: "every backend is in another namespace and no ReferenceGrant permits it"})
			}
			continue
		}
		exposure, _ := sc.Exposure.Classify(scope.KindGateway, a.gateway)
		ea := authenticationOf(src, a)
		out.uses = append(out.uses, ea.uses...)
		auth := ea.auth
		auth.Declared = declaredAuthentication(sc, a.route, backends)
		if (auth.Mode == v1alpha1.AuthenticationNone || auth.Mode == v1alpha1.AuthenticationUnknown) && auth.Declared != "" {
			auth.Mode = v1alpha1.AuthenticationDeclared
		}
		note := ""
		if exposure == v1alpha1.ExposurePublic && ea.privateOnly != "" {
			exposure, note = v1alpha1.ExposureInternal, "the gateway is public, but "+ea.privateOnly
		}
		purpose := endpointPurpose(sc, a.route, backends)
		for _, h := range a.hostnames {
			out.entries = append(out.entries, v1alpha1.EndpointEntry{
				Hostname: h, Port: int32(a.listener.Port), Protocol: string(a.listener.Protocol),
				Gateway: a.gateway.Namespace + "/" + a.gateway.Name, Listener: string(a.listener.Name),
				Exposure: exposure, ExposureNote: note, Route: a.route.ref(), Backends: backends, Authentication: auth, Purpose: purpose,
			})
		}
	}
	slices.SortFunc(out.entries, compareEndpoints)
	return out
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
		cmp.Compare(a.Gateway, b.Gateway), cmp.Compare(a.Listener, b.Listener), scope.CompareRefs(a.Route, b.Route))
}

// endpointPurpose is the route's purpose, else its first backend Service's.
func endpointPurpose(sc *scope.Scope, r *route, backends []v1alpha1.BackendEntry) string {
	if p := scope.PurposeOf(r.meta); p != "" {
		return p
	}
	for _, b := range backends {
		if svc := sc.Services[types.NamespacedName{Namespace: b.Namespace, Name: b.Name}]; svc != nil && b.Kind == scope.KindService {
			if p := scope.PurposeOf(svc); p != "" {
				return p
			}
		}
	}
	return ""
}

// declaredAuthentication is the netinventory.io/authentication annotation
// of a route, else of its first backend Service that has one.
func declaredAuthentication(sc *scope.Scope, r *route, backends []v1alpha1.BackendEntry) string {
	if v := strings.TrimSpace(r.meta.Annotations[scope.AnnotationAuthentication]); v != "" {
		return v
	}
	for _, b := range backends {
		if svc := sc.Services[types.NamespacedName{Namespace: b.Namespace, Name: b.Name}]; svc != nil && b.Kind == scope.KindService {
			if v := strings.TrimSpace(svc.Annotations[scope.AnnotationAuthentication]); v != "" {
				return v
			}
		}
	}
	return ""
}
