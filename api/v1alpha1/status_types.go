package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NetworkInventoryStatus is the inventory. Summary counts never truncate;
// each list is sorted, capped by spec.limits and carries its total.
type NetworkInventoryStatus struct {
	// ObservedGeneration is the spec generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// LastRecomputeTime is when the written status was computed. The status
	// is rewritten only when its content changes, so a recompute that finds
	// nothing new leaves it as it is.
	// +optional
	LastRecomputeTime *metav1.Time `json:"lastRecomputeTime,omitempty"`

	// LastChangeTime is when the content of the inventory last changed.
	// +optional
	LastChangeTime *metav1.Time `json:"lastChangeTime,omitempty"`

	// Summary counts everything, whatever the list limits.
	// +optional
	Summary Summary `json:"summary,omitempty"`

	// Sources says, for each kind of object the inventory reads, whether the
	// cluster serves it and how many objects were read.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	Sources []SourceStatus `json:"sources,omitempty"`

	// Gateways are the Gateway API Gateways.
	// +optional
	Gateways GatewayList `json:"gateways,omitempty"`

	// Endpoints are the hostnames and ports that routes expose on gateways.
	// +optional
	Endpoints EndpointList `json:"endpoints,omitempty"`

	// Services are the LoadBalancer and NodePort Services.
	// +optional
	Services ServiceList `json:"services,omitempty"`

	// SecurityPolicies are the Envoy Gateway SecurityPolicies.
	// +optional
	SecurityPolicies SecurityPolicyList `json:"securityPolicies,omitempty"`

	// NetworkPolicies are the CiliumNetworkPolicies,
	// CiliumClusterwideNetworkPolicies and NetworkPolicies.
	// +optional
	NetworkPolicies NetworkPolicyList `json:"networkPolicies,omitempty"`

	// ReferenceGrants are the Gateway API ReferenceGrants.
	// +optional
	ReferenceGrants ReferenceGrantList `json:"referenceGrants,omitempty"`

	// Namespaces is the policy coverage of each namespace.
	// +optional
	Namespaces NamespaceList `json:"namespaces,omitempty"`

	// Flows are the communications the network policies allow, by
	// namespace and app.
	// +optional
	Flows FlowList `json:"flows,omitempty"`

	// Findings are the gaps found, most urgent first.
	// +optional
	Findings FindingList `json:"findings,omitempty"`

	// Conditions: Ready (kstatus-compatible: True once an inventory computed
	// from synced caches is written), SourcesAvailable, and the gap
	// conditions alerting fires on, True while the gap exists:
	// CriticalFindings, UnauthenticatedPublicEndpoints, ExposureGaps,
	// NamespacesNotIsolated, SpecProblems.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=32
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Condition types of a NetworkInventory.
const (
	// ConditionReady is True when the status holds an inventory computed
	// from synced sources for the current generation.
	ConditionReady = "Ready"
	// ConditionSourcesAvailable is False when a source kind is not served
	// by the cluster (its CRDs are not installed).
	ConditionSourcesAvailable = "SourcesAvailable"
	// ConditionCriticalFindings is True while an open Critical finding exists.
	ConditionCriticalFindings = "CriticalFindings"
	// ConditionUnauthenticatedPublicEndpoints is True while a public
	// endpoint has no authentication.
	ConditionUnauthenticatedPublicEndpoints = "UnauthenticatedPublicEndpoints"
	// ConditionNamespacesNotIsolated is True while a namespace with running
	// pods has none of them isolated by a policy in either direction, whether
	// or not policies select them; its message names the most urgent first.
	ConditionNamespacesNotIsolated = "NamespacesNotIsolated"
	// ConditionExposureGaps is True while an exposure finding of High or
	// Critical priority is open; its reason is the worst finding's rule.
	ConditionExposureGaps = "ExposureGaps"
	// ConditionSpecProblems is True while a field of the spec cannot be
	// applied (an invalid label selector in spec.exposure or
	// spec.priorities); its message names the fields. An invalid
	// spec.namespaceSelector leaves nothing to compute: Ready is False with
	// reason InvalidSpec instead.
	ConditionSpecProblems = "SpecProblems"
)

// Summary counts everything the inventory holds, never truncated.
type Summary struct {
	// Gateways is the number of Gateways.
	Gateways int32 `json:"gateways"`
	// Endpoints is the number of exposed endpoints.
	Endpoints int32 `json:"endpoints"`
	// PublicEndpoints is the number of endpoints on public gateways.
	PublicEndpoints int32 `json:"publicEndpoints"`
	// UnauthenticatedEndpoints is the number of endpoints with no
	// authentication, enforced or declared.
	UnauthenticatedEndpoints int32 `json:"unauthenticatedEndpoints"`
	// UnauthenticatedPublicEndpoints is the number of public endpoints with
	// no authentication.
	UnauthenticatedPublicEndpoints int32 `json:"unauthenticatedPublicEndpoints"`
	// LoadBalancerServices is the number of Services of type LoadBalancer.
	LoadBalancerServices int32 `json:"loadBalancerServices"`
	// NodePortServices is the number of Services that open node ports
	// (NodePort Services, and LoadBalancer Services that allocate them).
	NodePortServices int32 `json:"nodePortServices"`
	// SecurityPolicies is the number of Envoy Gateway SecurityPolicies.
	SecurityPolicies int32 `json:"securityPolicies"`
	// NetworkPolicies is the number of network policies of all kinds.
	NetworkPolicies int32 `json:"networkPolicies"`
	// ReferenceGrants is the number of ReferenceGrants.
	ReferenceGrants int32 `json:"referenceGrants"`
	// Namespaces is the number of namespaces inventoried.
	Namespaces int32 `json:"namespaces"`
	// NotIsolatedNamespaces is the number of namespaces with running pods
	// (not on the host network) none of which a policy isolates in either
	// direction, whether or not policies select them (coverage None or
	// SelectedNotIsolated).
	NotIsolatedNamespaces int32 `json:"notIsolatedNamespaces"`
	// Pods is the number of running and pending pods, hostNetwork pods
	// included.
	Pods int32 `json:"pods"`
	// HostNetworkPods is the number of pods on the host network, which pod
	// policies do not apply to.
	HostNetworkPods int32 `json:"hostNetworkPods"`
	// Findings counts the open findings by priority.
	Findings FindingCounts `json:"findings"`
}

// FindingCounts counts findings by priority. Acknowledged findings are
// counted apart, not by priority.
type FindingCounts struct {
	// Critical open findings.
	Critical int32 `json:"critical"`
	// High open findings.
	High int32 `json:"high"`
	// Medium open findings.
	Medium int32 `json:"medium"`
	// Low open findings.
	Low int32 `json:"low"`
	// Acknowledged findings, of any priority.
	Acknowledged int32 `json:"acknowledged"`
}

// SourceStatus says whether a kind of source object is available.
type SourceStatus struct {
	// Kind of the source objects, e.g. HTTPRoute.
	Kind string `json:"kind"`
	// Group of the kind; empty for the core group.
	// +optional
	Group string `json:"group,omitempty"`
	// Version read, the most preferred one the cluster serves.
	// +optional
	Version string `json:"version,omitempty"`
	// Available is true when the cluster serves the kind.
	Available bool `json:"available"`
	// Count is the number of objects read.
	// +optional
	Count int32 `json:"count,omitempty"`
	// Name is, for a single object the inventory reads (Cilium's
	// cilium-config ConfigMap), its namespace/name.
	// +optional
	// +kubebuilder:validation:MaxLength=317
	Name string `json:"name,omitempty"`
	// Message says what was read from it, or why it could not be.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
}
