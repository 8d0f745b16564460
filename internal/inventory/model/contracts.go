package model

import "netinventory.io/netinventory/api/v1alpha1"

// Direction is a direction of traffic relative to a pod.
type Direction int

// Directions.
const (
	Ingress Direction = iota
	Egress
)

// Directions lists both directions, ingress first.
var Directions = [...]Direction{Ingress, Egress}

// String is the direction's lower-case name, as metrics and messages show it.
func (d Direction) String() string {
	if d == Egress {
		return "egress"
	}
	return "ingress"
}

// PerDirection holds a truth per direction, indexed by Direction.
type PerDirection [2]bool

// Any is true when the truth holds in either direction.
func (p PerDirection) Any() bool { return p[Ingress] || p[Egress] }

// ProblemReason says why a route parent attachment exposes nothing, or
// exposes with a problem.
type ProblemReason string

// Route problem reasons.
const (
	ProblemNotAccepted          ProblemReason = "NotAccepted"
	ProblemUnresolvedRefs       ProblemReason = "UnresolvedRefs"
	ProblemParentNotFound       ProblemReason = "ParentNotFound"
	ProblemNoMatchingListener   ProblemReason = "NoMatchingListener"
	ProblemNotAllowedByListener ProblemReason = "NotAllowedByListener"
	ProblemNoMatchingHostname   ProblemReason = "NoMatchingHostname"
	ProblemNoPermittedBackend   ProblemReason = "NoPermittedBackend"
	ProblemStaleStatus          ProblemReason = "StaleStatus"
)

// ProblemReasons lists every route problem reason.
var ProblemReasons = []ProblemReason{ProblemNotAccepted, ProblemUnresolvedRefs, ProblemParentNotFound, ProblemNoMatchingListener,
	ProblemNotAllowedByListener, ProblemNoMatchingHostname, ProblemNoPermittedBackend, ProblemStaleStatus}

// PolicyProblemReason says why a network policy enforces nothing.
type PolicyProblemReason string

// Policy problem reasons.
const (
	PolicyInvalidSelector PolicyProblemReason = "InvalidSelector"
	PolicyNotValid        PolicyProblemReason = "NotValid"
)

// PolicyProblemReasons lists every policy problem reason.
var PolicyProblemReasons = []PolicyProblemReason{PolicyInvalidSelector, PolicyNotValid}

// EndpointRef names where a route is exposed: a listener of a gateway.
type EndpointRef struct {
	// Gateway is the gateway, Listener its listener.
	Gateway  v1alpha1.ObjectRef
	Listener string
	// Route is the route.
	Route v1alpha1.ObjectRef
}

// String renders the reference as "ns/gateway/listener ns/route".
func (e EndpointRef) String() string {
	return e.Gateway.Namespace + "/" + e.Gateway.Name + "/" + e.Listener + " " + e.Route.Namespace + "/" + e.Route.Name
}

// GatewayName is the gateway as the endpoints show it: namespace/name.
func (e EndpointRef) GatewayName() string { return e.Gateway.Namespace + "/" + e.Gateway.Name }
