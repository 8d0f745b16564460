package coverage

import (
	"fmt"
	"sort"
	"strings"

	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"netinventory.io/netinventory/internal/snapshot"
)

// Identity labels Cilium derives for a pod, beyond the pod's own labels.
const (
	ciliumNamespaceLabel       = "io.kubernetes.pod.namespace"
	ciliumServiceAccountLabel  = "io.cilium.k8s.policy.serviceaccount"
	ciliumPodServiceAccount    = "io.kubernetes.pod.serviceaccount"
	ciliumClusterLabel         = "io.cilium.k8s.policy.cluster"
	ciliumNamespaceLabelPrefix = "io.cilium.k8s.namespace.labels."
	// ciliumDefaultCluster is the cluster name Cilium uses unless set.
	ciliumDefaultCluster = "default"
	// nonPodSourceKey stands for selector keys of a label source pods
	// never carry (reserved:, cidr:, ...): no pod has it.
	nonPodSourceKey = "non-pod-source.netinventory.io/key"
)

// ciliumSelector turns a Cilium endpoint selector into a label selector
// over the identity labels ciliumIdentity serves. Keys lose their `k8s:` or
// `any:` source prefix (both match pod labels); keys of other sources
// (`reserved:`, `cidr:`...) can never match a pod.
func ciliumSelector(s *slimv1.LabelSelector) (labels.Selector, error) {
	if s == nil {
		return labels.Nothing(), nil
	}
	ls := &metav1.LabelSelector{}
	for k, v := range s.MatchLabels {
		if ls.MatchLabels == nil {
			ls.MatchLabels = map[string]string{}
		}
		ls.MatchLabels[podLabelKey(k)] = string(v)
	}
	for _, r := range s.MatchExpressions {
		ls.MatchExpressions = append(ls.MatchExpressions, metav1.LabelSelectorRequirement{
			Key: podLabelKey(r.Key), Operator: metav1.LabelSelectorOperator(r.Operator), Values: r.Values,
		})
	}
	return metav1.LabelSelectorAsSelector(ls)
}

// podLabelKey strips a Cilium label source prefix.
func podLabelKey(key string) string {
	source, rest, ok := strings.Cut(key, ":")
	if !ok {
		return key
	}
	if source == "k8s" || source == "any" {
		return rest
	}
	return nonPodSourceKey
}

// ciliumSelectorString renders a Cilium selector as written; "" selects
// every endpoint in its scope.
func ciliumSelectorString(s *slimv1.LabelSelector) string {
	if s == nil {
		return ""
	}
	var parts []string
	for k, v := range s.MatchLabels {
		parts = append(parts, fmt.Sprintf("%s=%s", k, v))
	}
	sort.Strings(parts)
	for _, r := range s.MatchExpressions {
		parts = append(parts, fmt.Sprintf("%s %s (%s)", r.Key, strings.ToLower(string(r.Operator)), strings.Join(r.Values, ",")))
	}
	return strings.Join(parts, ",")
}

// ciliumIdentity is a pod's Cilium identity labels, served without
// building a map: its own labels, its namespace, the labels of its
// namespace, its service account and its cluster.
type ciliumIdentity struct {
	pod       *snapshot.Pod
	namespace *corev1.Namespace
	// ignored are the selector keys Cilium leaves out of identities.
	ignored map[string]bool
	// filter checks every key against Cilium's label filter instead, for
	// selectors not known in advance.
	filter bool
}

var _ labels.Labels = &ciliumIdentity{}

func (c *ciliumIdentity) lookup(key string) (string, bool) {
	switch key {
	case ciliumNamespaceLabel:
		return c.pod.Namespace, true
	case ciliumServiceAccountLabel, ciliumPodServiceAccount:
		if c.pod.Spec.ServiceAccountName == "" {
			return "default", true
		}
		return c.pod.Spec.ServiceAccountName, true
	case ciliumClusterLabel:
		return ciliumDefaultCluster, true
	}
	if nsKey, ok := strings.CutPrefix(key, ciliumNamespaceLabelPrefix); ok {
		if c.namespace == nil {
			return "", false
		}
		v, ok := c.namespace.Labels[nsKey]
		return v, ok
	}
	if c.ignored[key] || (c.filter && CiliumIgnoresLabel(key)) {
		return "", false
	}
	v, ok := c.pod.Labels[key]
	return v, ok
}

// ciliumIgnoredLabelPrefixes are the pod label keys Cilium leaves out of
// security identities by default (its label prefix filter): labels that
// change with every rollout or describe placement, not the workload.
var ciliumIgnoredLabelPrefixes = []string{
	"io.kubernetes", "kubernetes.io", "k8s.io", "topology.kubernetes.io",
	"statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index",
	"batch.kubernetes.io/job-completion-index", "batch.kubernetes.io/controller-uid",
	"pod-template-generation", "pod-template-hash", "controller-revision-hash", "controller-uid",
	"annotation", "etcd_node",
}

// CiliumIgnoresLabel reports whether Cilium's default label filter leaves
// a pod label out of the pod's identity, so no policy selects by it.
func CiliumIgnoresLabel(key string) bool {
	for _, p := range ciliumIgnoredLabelPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return strings.Contains(key, "beta.kubernetes.io")
}

// Has reports whether the identity has a label.
func (c *ciliumIdentity) Has(key string) bool {
	_, ok := c.lookup(key)
	return ok
}

// Get returns the value of a label.
func (c *ciliumIdentity) Get(key string) string {
	v, _ := c.lookup(key)
	return v
}

// Lookup returns the value of a label and whether it is there.
func (c *ciliumIdentity) Lookup(key string) (string, bool) { return c.lookup(key) }
