package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NetworkInventorySpec says what the inventory covers and how its findings
// are judged. Every field is optional: an empty spec inventories the whole
// cluster with the documented defaults.
type NetworkInventorySpec struct {
	// NamespaceSelector limits the inventory to the namespaces whose labels
	// match. Unset or empty: every namespace. Cluster-scoped objects
	// (CiliumClusterwideNetworkPolicies) are always considered, for the pods
	// of the selected namespaces.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// Exposure says which gateways and Services are reachable from the
	// public internet and which only from internal networks.
	// +optional
	Exposure ExposureSpec `json:"exposure,omitempty"`

	// Priorities set how urgent the gaps of each namespace are.
	// +optional
	Priorities PrioritySpec `json:"priorities,omitempty"`

	// Acknowledgements accept known findings for a while: an acknowledged
	// finding stays in the status, marked, but raises no condition and is
	// not counted among open findings until the acknowledgement expires.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=500
	Acknowledgements []Acknowledgement `json:"acknowledgements,omitempty"`

	// Limits bound the size of the status lists.
	// +optional
	Limits Limits `json:"limits,omitempty"`

	// ResyncPeriod is how often the inventory is recomputed even when no
	// watched object changed: a Go duration such as `10m` or `1h30m`, from
	// 30s to 24h. Default 10m.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]{1,5}(\.[0-9]+)?(ns|us|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]{1,5}(\\\\.[0-9]+)?(ns|us|ms|s|m|h))+$') && duration(self) >= duration('30s') && duration(self) <= duration('24h')",message="resyncPeriod must be a duration from 30s to 24h, such as 10m"
	ResyncPeriod *metav1.Duration `json:"resyncPeriod,omitempty"`
}

// Exposure says from where a gateway or Service can be reached.
// +kubebuilder:validation:Enum=Public;Internal
type Exposure string

const (
	// ExposurePublic means reachable from the public internet.
	ExposurePublic Exposure = "Public"
	// ExposureInternal means reachable only from internal networks (LAN, VPN).
	ExposureInternal Exposure = "Internal"
)

// ExposureSpec classifies gateways and Services as public or internal. The
// first rule that matches decides; without a matching rule the annotation
// `netinventory.io/exposure: public|internal` on the Gateway or Service
// decides; without it, the evidence the cluster shows (addresses,
// external-dns records, tunnel configurations) decides, public evidence
// winning; without evidence, Default does.
type ExposureSpec struct {
	// Rules are tried in order; the first that matches an object decides its
	// exposure.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=100
	Rules []ExposureRule `json:"rules,omitempty"`

	// Default is the exposure of a Gateway or LoadBalancer Service that no
	// rule and no annotation classifies. Default Public: what is not known
	// to be internal is judged as reachable from the internet.
	// +optional
	// +kubebuilder:default=Public
	Default Exposure `json:"default,omitempty"`

	// Evidence says whether the exposure of what no rule and no annotation
	// classifies is decided from the evidence the objects carry: the
	// addresses of gateways and LoadBalancer Services (private, CGNAT, ULA
	// and link-local ones are internal), external-dns `target` and
	// `hostname` annotations followed through DNSEndpoint records (a CNAME
	// to `*.cfargotunnel.com` is a Cloudflare tunnel), and cloudflared
	// tunnel ingress rules in ConfigMaps and HelmRelease values. Public
	// evidence wins over internal evidence. Default Enabled.
	// +optional
	// +kubebuilder:default=Enabled
	Evidence EvidenceMode `json:"evidence,omitempty"`
}

// EvidenceMode turns exposure evidence on or off.
// +kubebuilder:validation:Enum=Enabled;Disabled
type EvidenceMode string

// Evidence modes.
const (
	// EvidenceEnabled decides exposure from evidence before the default.
	EvidenceEnabled EvidenceMode = "Enabled"
	// EvidenceDisabled leaves what no rule or annotation classifies to
	// the default.
	EvidenceDisabled EvidenceMode = "Disabled"
)

// ExposureRule gives an exposure to the Gateways and Services it matches:
// those named in Gateways or Services, or those whose labels match Selector.
// +kubebuilder:validation:XValidation:rule="has(self.gateways) || has(self.services) || has(self.selector)",message="a rule names gateways or services, or has a selector"
type ExposureRule struct {
	// Exposure given to the matched objects.
	Exposure Exposure `json:"exposure"`

	// Gateways named by namespace and name.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=100
	Gateways []NamespacedName `json:"gateways,omitempty"`

	// Services named by namespace and name.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=100
	Services []NamespacedName `json:"services,omitempty"`

	// Selector matches Gateways and Services by their labels.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// NamespacedName names a namespaced object.
type NamespacedName struct {
	// Namespace of the object.
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace"`
	// Name of the object.
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// Priority is how urgent a finding is.
// +kubebuilder:validation:Enum=Critical;High;Medium;Low
type Priority string

const (
	// PriorityCritical findings need action now.
	PriorityCritical Priority = "Critical"
	// PriorityHigh findings need action soon.
	PriorityHigh Priority = "High"
	// PriorityMedium findings should be planned.
	PriorityMedium Priority = "Medium"
	// PriorityLow findings are worth knowing.
	PriorityLow Priority = "Low"
)

// PrioritySpec sets how urgent the gaps of each namespace are. A namespace's
// priority is, in order: the first class that names or selects it; Low for
// a system namespace; otherwise Medium, raised one step (to High) when it
// backs a public endpoint or runs at least ManyPodsThreshold pods, and two
// steps (to Critical) when it does both. A class whose selector cannot be
// parsed matches by name only and is reported (the SpecProblems condition).
type PrioritySpec struct {
	// Namespaces are classes of namespaces with a priority, tried in order.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=100
	Namespaces []NamespacePriority `json:"namespaces,omitempty"`

	// SystemNamespaces are namespaces whose gaps are Low by default, as they
	// are usually left open for system functions. Default: kube-system,
	// kube-public, kube-node-lease.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=100
	SystemNamespaces []string `json:"systemNamespaces,omitempty"`

	// ManyPodsThreshold is the number of running pods from which a namespace
	// without a class counts as large, and its gaps as High. Default 20.
	// +optional
	// +kubebuilder:validation:Minimum=1
	ManyPodsThreshold *int32 `json:"manyPodsThreshold,omitempty"`
}

// NamespacePriority gives a priority to the namespaces it names or selects.
// +kubebuilder:validation:XValidation:rule="has(self.names) || has(self.selector)",message="a class names namespaces or has a selector"
type NamespacePriority struct {
	// Priority of the matched namespaces' gaps.
	Priority Priority `json:"priority"`

	// Names of namespaces.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=500
	Names []string `json:"names,omitempty"`

	// Selector matches namespaces by their labels.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`

	// Reason explains the choice; shown with the namespace's findings.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Reason string `json:"reason,omitempty"`
}

// Acknowledgement accepts the findings of one rule for one subject.
type Acknowledgement struct {
	// Rule is the name of the finding's rule, e.g. NamespaceWithoutPolicies.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Rule string `json:"rule"`

	// Subject is the finding's subject as shown in its `subject` field, e.g.
	// `kube-system` for a namespace, `network/jwt-auth` for an object or a
	// hostname for an endpoint. `*` matches every subject of the rule.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	Subject string `json:"subject"`

	// Reason says why the finding is accepted.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Reason string `json:"reason"`

	// Expires is when the acknowledgement stops applying; unset: never.
	// +optional
	Expires *metav1.Time `json:"expires,omitempty"`
}

// Limits bound the status lists so the object stays well under the API
// server's request size limit.
type Limits struct {
	// MaxItemsPerList caps every status list; the summary counts and each
	// list's `total` always count everything. Default 500, at most 2000.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=2000
	MaxItemsPerList *int32 `json:"maxItemsPerList,omitempty"`

	// MaxFindings caps the findings list, which is sorted by priority first.
	// Default 500, at most 2000.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=2000
	MaxFindings *int32 `json:"maxFindings,omitempty"`
}
