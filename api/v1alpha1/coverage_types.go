package v1alpha1

// NetworkPolicyList is the bounded list of network policies of all kinds.
type NetworkPolicyList struct {
	ListBounds `json:",inline"`
	// Items, sorted by kind, namespace and name.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=2000
	Items []NetworkPolicyEntry `json:"items,omitempty"`
}

// NetworkPolicyEntry describes one CiliumNetworkPolicy,
// CiliumClusterwideNetworkPolicy or NetworkPolicy.
type NetworkPolicyEntry struct {
	// Kind: CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy or
	// NetworkPolicy.
	Kind string `json:"kind"`
	// Namespace of the policy; empty for clusterwide policies.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Name of the policy.
	Name string `json:"name"`
	// Selector of the pods (or, for host policies, nodes) the policy
	// applies to, as a label selector string; empty selects all.
	// +optional
	Selector string `json:"selector,omitempty"`
	// Description from the policy's spec (Cilium) or annotation.
	// +optional
	Description string `json:"description,omitempty"`
	// PolicyTypes are the directions the policy isolates: Ingress, Egress.
	// +optional
	// +listType=atomic
	PolicyTypes []string `json:"policyTypes,omitempty"`
	// IngressRules is the number of ingress allow rules.
	// +optional
	IngressRules int32 `json:"ingressRules,omitempty"`
	// EgressRules is the number of egress allow rules.
	// +optional
	EgressRules int32 `json:"egressRules,omitempty"`
	// IngressDenyRules is the number of ingress deny rules (Cilium).
	// +optional
	IngressDenyRules int32 `json:"ingressDenyRules,omitempty"`
	// EgressDenyRules is the number of egress deny rules (Cilium).
	// +optional
	EgressDenyRules int32 `json:"egressDenyRules,omitempty"`
	// EnableDefaultDeny is a Cilium policy's enableDefaultDeny as written,
	// e.g. `ingress=false,egress=false`; empty when not set (the default:
	// deny in each direction the policy has rules for).
	// +optional
	EnableDefaultDeny string `json:"enableDefaultDeny,omitempty"`
	// HostPolicy is true for a Cilium policy with a nodeSelector: it applies
	// to nodes, not pods.
	// +optional
	HostPolicy bool `json:"hostPolicy,omitempty"`
	// Valid is the Cilium policy's Valid condition: True, False, or Unknown
	// without status. Empty for NetworkPolicies.
	// +optional
	Valid string `json:"valid,omitempty"`
	// SelectedPods is the number of running pods the policy selects.
	SelectedPods int32 `json:"selectedPods"`
}

// CoverageState summarises the policy coverage of a namespace.
// +kubebuilder:validation:Enum=Covered;Partial;SelectedNotIsolated;DefaultDeny;HostNetworkOnly;None;Empty
type CoverageState string

const (
	// CoverageCovered: every pod subject to policies is isolated for both
	// ingress and egress.
	CoverageCovered CoverageState = "Covered"
	// CoveragePartial: some pods, or some directions, are isolated but not
	// all.
	CoveragePartial CoverageState = "Partial"
	// CoverageSelectedNotIsolated: policies select pods but isolate none of
	// them in any direction (e.g. enableDefaultDeny false).
	CoverageSelectedNotIsolated CoverageState = "SelectedNotIsolated"
	// CoverageDefaultDeny: the namespace has no pods but policies that will
	// isolate every pod created in it.
	CoverageDefaultDeny CoverageState = "DefaultDeny"
	// CoverageHostNetworkOnly: every pod is on the host network, where pod
	// policies do not apply.
	CoverageHostNetworkOnly CoverageState = "HostNetworkOnly"
	// CoverageNone: the namespace has pods and no policy isolates any.
	CoverageNone CoverageState = "None"
	// CoverageEmpty: no pods and no policies.
	CoverageEmpty CoverageState = "Empty"
)

// NamespaceList is the bounded list of namespaces.
type NamespaceList struct {
	ListBounds `json:",inline"`
	// Items, sorted by name.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=2000
	Items []NamespaceEntry `json:"items,omitempty"`
}

// NamespaceEntry is the policy coverage of one namespace.
type NamespaceEntry struct {
	// Name of the namespace.
	Name string `json:"name"`
	// Pods is the number of running and pending pods, hostNetwork pods
	// included.
	Pods int32 `json:"pods"`
	// HostNetworkPods is the number of pods on the host network; they are
	// neither covered nor uncovered.
	// +optional
	HostNetworkPods int32 `json:"hostNetworkPods,omitempty"`
	// IsolatedIngress is the number of pods isolated for ingress.
	// +optional
	IsolatedIngress int32 `json:"isolatedIngress,omitempty"`
	// IsolatedEgress is the number of pods isolated for egress.
	// +optional
	IsolatedEgress int32 `json:"isolatedEgress,omitempty"`
	// SelectedNotIsolated is the number of pods some policy selects without
	// isolating them in any direction.
	// +optional
	SelectedNotIsolated int32 `json:"selectedNotIsolated,omitempty"`
	// CiliumPolicies is the number of CiliumNetworkPolicies in the namespace.
	// +optional
	CiliumPolicies int32 `json:"ciliumPolicies,omitempty"`
	// NetworkPolicies is the number of NetworkPolicies in the namespace.
	// +optional
	NetworkPolicies int32 `json:"networkPolicies,omitempty"`
	// Coverage summarises the namespace's coverage.
	// +optional
	Coverage CoverageState `json:"coverage,omitempty"`
	// Priority of the namespace's gaps.
	// +optional
	Priority Priority `json:"priority,omitempty"`
	// PriorityReason says why the namespace has its priority.
	// +optional
	PriorityReason string `json:"priorityReason,omitempty"`
}

// FlowList is the bounded list of flows the network policies allow.
type FlowList struct {
	ListBounds `json:",inline"`
	// Items, sorted by from and to.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=2000
	Items []FlowEntry `json:"items,omitempty"`
}

// FlowEntry is traffic that the policies permit (or, for a deny rule,
// forbid), between the apps their rules select and name: what the
// policies allow, not traffic observed. A flow between two apps whose pods
// are among the objects is listed only on the ports where both ends'
// policies let it through (the destination's ingress, the source's
// egress, deny rules), as Cilium enforces them.
type FlowEntry struct {
	// From is the source: namespace/app for pods (app from the pods' app
	// label, else the pod's name; `namespace/*` for every pod a rule
	// selects in a namespace, `*/*` for every pod; for pods not among the
	// objects, as the rule's selector names them), `any`, an entity
	// (`entity:world`, `entity:cluster`, ...), a CIDR or a DNS name.
	From string `json:"from"`
	// To is the destination, in the same form.
	To string `json:"to"`
	// Ports allowed, as port/protocol; empty: any port.
	// +optional
	// +listType=atomic
	Ports []string `json:"ports,omitempty"`
	// Action is Deny for a flow a deny rule (Cilium ingressDeny or
	// egressDeny) forbids; empty for an allowed flow.
	// +optional
	Action FlowAction `json:"action,omitempty"`
	// L7 are the application-layer rules the flow is restricted to on its
	// ports (Cilium HTTP and DNS rules): only requests matching one of them
	// pass, as `HTTP GET /path`, `HTTP * /path host=name` or `DNS pattern`.
	// +optional
	// +listType=atomic
	L7 []string `json:"l7,omitempty"`
	// Policies that allow (or deny) it, as Kind/namespace/name.
	// +listType=atomic
	Policies []string `json:"policies"`
}

// FlowAction is what a policy rule does with a flow.
// +kubebuilder:validation:Enum=Deny
type FlowAction string

// FlowDeny marks a flow a deny rule forbids.
const FlowDeny FlowAction = "Deny"
