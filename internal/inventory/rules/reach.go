package rules

import (
	"fmt"
	"slices"
	"strings"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
)

// reachable returns a finding per hostname and route of the endpoints a
// test picks, once.
func reachable(m *model.Model, finding func(e v1alpha1.EndpointEntry, r *v1alpha1.EndpointReachability) *v1alpha1.Finding) []v1alpha1.Finding {
	var out []v1alpha1.Finding
	seen := map[string]bool{}
	for _, e := range m.Endpoints {
		r := e.Reachability
		key := endpointSubject(e) + "|" + e.Route.Namespace + "/" + e.Route.Name
		if r == nil || seen[key] {
			continue
		}
		if f := finding(e, r); f != nil {
			seen[key] = true
			f.Subject, f.Object = endpointSubject(e), routeObject(e.Route)
			out = append(out, *f)
		}
	}
	return out
}

// RouteBackendDeniesGateway: the backend pods' ingress policy refuses the
// gateway's proxies on the target port, so the route cannot work (for
// every pod) or works only sometimes (for some).
func RouteBackendDeniesGateway(m *model.Model) []v1alpha1.Finding {
	return reachable(m, func(e v1alpha1.EndpointEntry, r *v1alpha1.EndpointReachability) *v1alpha1.Finding {
		switch r.Gateway {
		case v1alpha1.ReachDenied:
			return &v1alpha1.Finding{Priority: v1alpha1.PriorityHigh,
				Message: fmt.Sprintf("%s cannot work: the network policies of its %d backend pods refuse the gateway's proxies (%s)",
					endpointSubject(e), r.Pods, r.GatewayProxies),
				Recommendation: "Allow ingress from the gateway's proxy pods (by their namespace and gateway.envoyproxy.io labels) on the backend's target port."}
		case v1alpha1.ReachPartial:
			return &v1alpha1.Finding{Priority: v1alpha1.PriorityMedium,
				Message: fmt.Sprintf("%s works only in part: some of its %d backend pods or ports refuse the gateway's proxies (%s)",
					endpointSubject(e), r.Pods, r.GatewayProxies),
				Recommendation: "Make every backend pod admit the gateway's proxies on the target port."}
		}
		return nil
	})
}

// GatewayAuthenticationBypass: the gateway authenticates the endpoint, but
// its backend pods accept connections from other sources too, which the
// gateway's authentication does not guard.
func GatewayAuthenticationBypass(m *model.Model) []v1alpha1.Finding {
	return reachable(m, func(e v1alpha1.EndpointEntry, r *v1alpha1.EndpointReachability) *v1alpha1.Finding {
		mode := e.Authentication.Mode
		// The node itself (kubelet probes) is not a way around the gateway.
		bypass := slices.DeleteFunc(slices.Clone(r.Bypass), func(s string) bool { return s == "host" })
		if (mode != v1alpha1.AuthenticationRequired && mode != v1alpha1.AuthenticationOptional) || len(bypass) == 0 {
			return nil
		}
		priority := v1alpha1.PriorityMedium
		if e.Exposure == v1alpha1.ExposurePublic {
			priority = v1alpha1.PriorityHigh
		}
		return &v1alpha1.Finding{Priority: priority,
			Message: fmt.Sprintf("%s is authenticated at the gateway (%s), but its backend pods also accept connections from %s, which bypass it",
				endpointSubject(e), e.Authentication.Policy, strings.Join(bypass, ", ")),
			Recommendation: "Restrict the backend pods' ingress to the gateway's proxies (a policy selecting them with only the proxies as peers), and remove LoadBalancer or NodePort Services in front of them."}
	})
}

// PublicBackendEgressToWorld: pods behind a public endpoint may open
// connections to any address outside the cluster, on any port: a
// compromised backend has an open path out.
func PublicBackendEgressToWorld(m *model.Model) []v1alpha1.Finding {
	return reachable(m, func(e v1alpha1.EndpointEntry, r *v1alpha1.EndpointReachability) *v1alpha1.Finding {
		if e.Exposure != v1alpha1.ExposurePublic || !r.EgressToWorld {
			return nil
		}
		return &v1alpha1.Finding{Priority: v1alpha1.PriorityMedium,
			Message:        fmt.Sprintf("the backend pods of public endpoint %s may connect to any address outside the cluster, on any port", endpointSubject(e)),
			Recommendation: "Give the backend an egress policy that allows only what it needs outside the cluster (toFQDNs or toCIDR with ports)."}
	})
}
