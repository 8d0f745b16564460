package v1alpha1

// GatewayList is the bounded list of Gateways.
type GatewayList struct {
	ListBounds `json:",inline"`
	// Items, sorted by namespace and name.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=2000
	Items []GatewayEntry `json:"items,omitempty"`
}

// What decides an exposure: the values of ExposureSource.
const (
	// ExposureSourceRule: a spec.exposure rule.
	ExposureSourceRule = "Rule"
	// ExposureSourceAnnotation: the netinventory.io/exposure annotation.
	ExposureSourceAnnotation = "Annotation"
	// ExposureSourceGateway: a gateway proxy Service has its gateway's.
	ExposureSourceGateway = "Gateway"
	// ExposureSourceEvidence: the evidence the objects carry.
	ExposureSourceEvidence = "Evidence"
	// ExposureSourceDefault: spec.exposure.default.
	ExposureSourceDefault = "Default"
)

// GatewayEntry describes one Gateway.
type GatewayEntry struct {
	// Namespace of the Gateway.
	Namespace string `json:"namespace"`
	// Name of the Gateway.
	Name string `json:"name"`
	// Class is the gatewayClassName.
	// +optional
	Class string `json:"class,omitempty"`
	// Addresses the Gateway is reachable at: from its status when present,
	// else those requested in its spec.
	// +optional
	// +listType=atomic
	Addresses []string `json:"addresses,omitempty"`
	// Exposure of the Gateway, and so of its endpoints.
	Exposure Exposure `json:"exposure"`
	// ExposureSource says what decided the exposure: Rule, Annotation,
	// Evidence or Default.
	// +optional
	ExposureSource string `json:"exposureSource,omitempty"`
	// ExposureEvidence is the evidence read about the Gateway's exposure,
	// in words, the deciding item first, e.g. "cloudflared tunnel ingress
	// *.example.com -> envoy-external (ConfigMap network/cloudflared)".
	// Listed whatever decided, so a rule that contradicts it shows.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	ExposureEvidence []string `json:"exposureEvidence,omitempty"`
	// Programmed is the status of the Gateway's Programmed condition: True,
	// False, or Unknown when the controller has not reported it.
	Programmed string `json:"programmed"`
	// Purpose from the `netinventory.io/purpose` annotation, else the
	// `description` annotation.
	// +optional
	Purpose string `json:"purpose,omitempty"`
	// Listeners of the Gateway, in spec order.
	// +optional
	// +listType=atomic
	Listeners []ListenerEntry `json:"listeners,omitempty"`
}

// ListenerEntry describes one listener of a Gateway.
type ListenerEntry struct {
	// Name of the listener.
	Name string `json:"name"`
	// Port of the listener.
	Port int32 `json:"port"`
	// Protocol of the listener, e.g. HTTPS.
	Protocol string `json:"protocol"`
	// Hostname the listener matches; empty matches every hostname.
	// +optional
	Hostname string `json:"hostname,omitempty"`
	// AllowedNamespaces is where routes may attach from: Same, All, or
	// Selector followed by the selector, e.g. `Selector(team=a)`.
	AllowedNamespaces string `json:"allowedNamespaces"`
	// AllowedKinds are the route kinds that may attach.
	// +optional
	// +listType=atomic
	AllowedKinds []string `json:"allowedKinds,omitempty"`
	// AttachedRoutes is the number of routes attached, as computed by the
	// inventory.
	// +optional
	AttachedRoutes int32 `json:"attachedRoutes,omitempty"`
}

// EndpointList is the bounded list of exposed endpoints.
type EndpointList struct {
	ListBounds `json:",inline"`
	// Items, public first, then by hostname.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=2000
	Items []EndpointEntry `json:"items,omitempty"`
}

// EndpointEntry is one hostname (or port, for TCP and UDP routes) that a
// route exposes on a gateway listener.
type EndpointEntry struct {
	// Hostname exposed; for TCPRoutes and UDPRoutes empty.
	// +optional
	Hostname string `json:"hostname,omitempty"`
	// Port of the listener.
	Port int32 `json:"port"`
	// Protocol of the listener.
	Protocol string `json:"protocol"`
	// Gateway is the gateway as namespace/name.
	Gateway string `json:"gateway"`
	// Listener is the listener's name.
	Listener string `json:"listener"`
	// Exposure of the endpoint: the gateway's, unless the authorization
	// that applies admits only private client addresses, which makes the
	// endpoint Internal (ExposureNote says so).
	Exposure Exposure `json:"exposure"`
	// ExposureNote says why the endpoint's exposure differs from its
	// gateway's.
	// +optional
	ExposureNote string `json:"exposureNote,omitempty"`
	// Route that exposes the hostname.
	Route ObjectRef `json:"route"`
	// Backends the route forwards to.
	// +optional
	// +listType=atomic
	Backends []BackendEntry `json:"backends,omitempty"`
	// Authentication that applies to the endpoint.
	Authentication Authentication `json:"authentication"`
	// Purpose from the route's `netinventory.io/purpose` annotation, else
	// its backend Service's.
	// +optional
	Purpose string `json:"purpose,omitempty"`
	// Reachability is who may open connections to the backend pods on
	// their target ports, as the network policies are enforced: the
	// gateway's proxies, and the sources that bypass the gateway. Absent
	// when no backend pod was found.
	// +optional
	Reachability *EndpointReachability `json:"reachability,omitempty"`
}

// EndpointReachability is who may connect to an endpoint's backend pods.
type EndpointReachability struct {
	// Pods is the number of running backend pods (selected by the backend
	// Services) that were evaluated.
	Pods int32 `json:"pods"`
	// Gateway is whether the gateway's proxies may connect to the backend
	// pods on their target ports: Allowed, Denied, or Partial when only
	// some pods or ports admit them.
	Gateway ReachVerdict `json:"gateway"`
	// GatewayProxies names the proxies evaluated: the namespace and
	// labels of the gateway's proxy pods, or, when none is among the
	// objects read, the Envoy Gateway proxy assumed (its labels, in
	// envoy-gateway-system).
	GatewayProxies string `json:"gatewayProxies"`
	// Bypass are the sources other than the gateway that may connect to
	// some backend pod: `world` (addresses outside the cluster),
	// `cluster` (any pod), `host` (the node, when a rule or the absence of
	// policy admits it, beyond the node's own health checks Cilium always
	// admits), `service/NAMESPACE/NAME` (a LoadBalancer or NodePort
	// Service selecting the pods) and `namespace/NAME` (any pod of a
	// namespace), at most 16, the broadest first.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	Bypass []string `json:"bypass,omitempty"`
	// EgressToWorld is true when some backend pod may open connections to
	// any address outside the cluster on any port.
	// +optional
	EgressToWorld bool `json:"egressToWorld,omitempty"`
}

// ReachVerdict is whether a source may connect to a set of pods.
// +kubebuilder:validation:Enum=Allowed;Denied;Partial
type ReachVerdict string

// Reach verdicts.
const (
	ReachAllowed ReachVerdict = "Allowed"
	ReachDenied  ReachVerdict = "Denied"
	ReachPartial ReachVerdict = "Partial"
)

// ObjectRef names an object by kind, namespace and name.
type ObjectRef struct {
	// Kind of the object.
	Kind string `json:"kind"`
	// Namespace of the object; empty for cluster-scoped objects.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Name of the object.
	Name string `json:"name"`
}

// BackendEntry is one backend a route forwards to.
type BackendEntry struct {
	// Kind of the backend, Service unless the route says otherwise.
	Kind string `json:"kind"`
	// Namespace of the backend.
	Namespace string `json:"namespace"`
	// Name of the backend.
	Name string `json:"name"`
	// Port of the backend.
	// +optional
	Port int32 `json:"port,omitempty"`
	// Exists is false when the backend Service does not exist. Backends of
	// kinds the inventory does not read are taken to exist.
	Exists bool `json:"exists"`
	// Permitted is false for a cross-namespace reference no ReferenceGrant
	// allows: such a backend receives no traffic.
	Permitted bool `json:"permitted"`
}

// AuthenticationMode says whether a request must authenticate.
// +kubebuilder:validation:Enum=None;Unknown;Required;Optional;Declared
type AuthenticationMode string

const (
	// AuthenticationNone means nothing authenticates requests.
	AuthenticationNone AuthenticationMode = "None"
	// AuthenticationRequired means the gateway enforces authentication.
	AuthenticationRequired AuthenticationMode = "Required"
	// AuthenticationOptional means the gateway checks credentials when
	// present but lets requests without them through (e.g. jwt.optional).
	AuthenticationOptional AuthenticationMode = "Optional"
	// AuthenticationDeclared means only an annotation says the backend
	// authenticates (the cluster cannot see it).
	AuthenticationDeclared AuthenticationMode = "Declared"
	// AuthenticationUnknown means the gateway cannot see the requests
	// (TLS passthrough): only the backend can authenticate them.
	AuthenticationUnknown AuthenticationMode = "Unknown"
)

// Authentication is the authentication that applies to an endpoint.
type Authentication struct {
	// Mode is the strongest guarantee that applies.
	Mode AuthenticationMode `json:"mode"`
	// Methods, e.g. JWT, OIDC, BasicAuth, APIKeyAuth, ExtAuth,
	// Authorization (SecurityPolicy), mTLS (ClientTrafficPolicy client
	// certificate validation), Proxy (an authenticating proxy in the
	// backend pods), WebhookToken (Flux Receivers), or declared ones such
	// as native or hmac.
	// +optional
	// +listType=atomic
	Methods []string `json:"methods,omitempty"`
	// Policy is the SecurityPolicy that applies, as namespace/name.
	// +optional
	Policy string `json:"policy,omitempty"`
	// AttachedAt is where the policy attaches: RouteRule, Route, Listener
	// or Gateway.
	// +optional
	AttachedAt string `json:"attachedAt,omitempty"`
	// MergedWith is the gateway-side SecurityPolicy (namespace/name) the
	// route-side policy merges into, when its mergeType asks for it.
	// +optional
	MergedWith string `json:"mergedWith,omitempty"`
	// Declared is the value of the `netinventory.io/authentication`
	// annotation of the route or backend Service, if any.
	// +optional
	Declared string `json:"declared,omitempty"`
	// Source says what gives the guarantee when it is not a
	// SecurityPolicy, in words: "proxy oauth2-proxy in the pods of
	// Service auth/oauth2-proxy", "Flux Receivers (token/HMAC)",
	// "client certificates (ClientTrafficPolicy network/mtls)", "TLS
	// passthrough".
	// +optional
	Source string `json:"source,omitempty"`
	// Rules is the authentication of each forwarding rule of the route,
	// listed when the rules differ: which paths are guarded and which are
	// open.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	Rules []RuleAuthentication `json:"rules,omitempty"`
}

// RuleAuthentication is the authentication of one rule of a route.
type RuleAuthentication struct {
	// Rule is the rule's name, or `rule N` (its index) when unnamed.
	Rule string `json:"rule"`
	// Paths the rule matches, e.g. `/api` (prefix) or `= /login` (exact);
	// `/` when it matches every path.
	// +optional
	// +listType=atomic
	Paths []string `json:"paths,omitempty"`
	// Mode of the rule's authentication.
	Mode AuthenticationMode `json:"mode"`
	// Methods of the rule's authentication.
	// +optional
	// +listType=atomic
	Methods []string `json:"methods,omitempty"`
	// Policy that applies to the rule, as namespace/name.
	// +optional
	Policy string `json:"policy,omitempty"`
}

// ServiceList is the bounded list of LoadBalancer and NodePort Services.
type ServiceList struct {
	ListBounds `json:",inline"`
	// Items, sorted by namespace and name.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=2000
	Items []ServiceEntry `json:"items,omitempty"`
}

// ServiceEntry describes a Service reachable from outside the cluster.
type ServiceEntry struct {
	// Namespace of the Service.
	Namespace string `json:"namespace"`
	// Name of the Service.
	Name string `json:"name"`
	// Type of the Service: LoadBalancer or NodePort.
	Type string `json:"type"`
	// ExternalAddresses are the load balancer's IPs and hostnames.
	// +optional
	// +listType=atomic
	ExternalAddresses []string `json:"externalAddresses,omitempty"`
	// Ports of the Service, with their node ports.
	// +optional
	// +listType=atomic
	Ports []ServicePortEntry `json:"ports,omitempty"`
	// SourceRanges restrict the load balancer's clients; empty: any.
	// +optional
	// +listType=atomic
	SourceRanges []string `json:"sourceRanges,omitempty"`
	// Exposure of the Service.
	Exposure Exposure `json:"exposure"`
	// ExposureSource says what decided the exposure: Rule, Annotation,
	// Gateway (a gateway proxy Service has its gateway's), Evidence or
	// Default.
	// +optional
	ExposureSource string `json:"exposureSource,omitempty"`
	// ExposureEvidence is the evidence read about the Service's exposure,
	// in words, the deciding item first.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	ExposureEvidence []string `json:"exposureEvidence,omitempty"`
	// Purpose from the `netinventory.io/purpose` annotation.
	// +optional
	Purpose string `json:"purpose,omitempty"`
}

// ServicePortEntry is one port of a Service.
type ServicePortEntry struct {
	// Name of the port.
	// +optional
	Name string `json:"name,omitempty"`
	// Port of the Service.
	Port int32 `json:"port"`
	// Protocol of the port.
	Protocol string `json:"protocol"`
	// NodePort opened on every node, if any.
	// +optional
	NodePort int32 `json:"nodePort,omitempty"`
}
