// Package synthetic generates clusters of a given size with realistic
// shapes, for benchmarks and scale runs.
package synthetic

import (
	"fmt"
	"hash/crc32"
	"maps"
	"math/rand/v2"

	v2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	slimv1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/apis/meta/v1"
	"github.com/cilium/cilium/pkg/policy/api"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"netinventory.io/netinventory/internal/snapshot"
)

// Cluster builds a cluster of about pods pods and policies
// policies with realistic shapes: namespaces of very different sizes (a few
// large, many small), apps of several replicas with the usual labels, and
// policies that mostly select one app, some namespace-wide, a few
// clusterwide by namespace label. Deterministic for a given size.
func Cluster(pods, policies int) *snapshot.Snapshot {
	return Generate(Shape{Namespaces: max(pods/300, 3), Pods: pods, Policies: policies})
}

// Shape is the size of a synthetic cluster.
type Shape struct {
	// Namespaces share the pods by 1/rank, each at least one pod (at
	// least one namespace).
	Namespaces int
	// Pods is about how many running pods there are.
	Pods int
	// Policies is how many network policies there are.
	Policies int
	// Gateways is how many Gateways there are, in namespace "gateways",
	// each with an HTTPS listener admitting routes from every namespace.
	Gateways int
	// Routes is how many HTTPRoutes there are, each exposing one hostname
	// on one Gateway to a Service of one app (needs Gateways).
	Routes int
}

// Generate builds a cluster of a shape, as Cluster describes.
// Deterministic for a given shape.
func Generate(shape Shape) *snapshot.Snapshot {
	pods, policies, namespaces := shape.Pods, shape.Policies, max(shape.Namespaces, 1)
	rng := rand.New(rand.NewPCG(uint64(pods), uint64(policies)))
	s := &snapshot.Snapshot{}
	// Namespace weights follow 1/rank: a few namespaces hold most pods.
	weights := make([]float64, namespaces)
	total := 0.0
	for i := range weights {
		weights[i] = 1 / float64(i+1)
		total += weights[i]
	}
	type app struct{ ns, name string }
	var apps []app
	for i := range namespaces {
		name := fmt.Sprintf("ns-%04d", i)
		s.Namespaces = append(s.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name,
			Labels: map[string]string{corev1.LabelMetadataName: name, "team": fmt.Sprintf("team-%d", i%25), "env": []string{"prod", "staging", "dev"}[i%3]}}})
		n := max(int(float64(pods)*weights[i]/total), 1)
		for a := 0; n > 0; a++ {
			replicas := min(1+rng.IntN(6), n)
			appName := fmt.Sprintf("app-%d", a)
			apps = append(apps, app{name, appName})
			for r := range replicas {
				s.Pods = append(s.Pods, &snapshot.Pod{
					PodMeta: snapshot.PodMeta{Namespace: name, Name: fmt.Sprintf("%s-%d", appName, r), Labels: map[string]string{
						"app.kubernetes.io/name": appName, "app.kubernetes.io/instance": appName + "-prod",
						"app.kubernetes.io/component": []string{"web", "worker", "db"}[a%3], "pod-template-hash": fmt.Sprintf("%08x", rng.Uint32()),
					}},
					Spec:   snapshot.PodSpec{ServiceAccountName: appName, HostNetwork: rng.IntN(100) == 0},
					Status: snapshot.PodStatus{Phase: corev1.PodRunning},
				})
			}
			n -= replicas
		}
	}
	for i := range policies {
		a := apps[rng.IntN(len(apps))]
		selector := map[string]string{"app.kubernetes.io/name": a.name}
		switch {
		case i%20 == 0: // namespace-wide default deny
			s.NetworkPolicies = append(s.NetworkPolicies, &networkingv1.NetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Namespace: a.ns, Name: fmt.Sprintf("default-deny-%d", i)},
				Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Ingress", "Egress"}}})
		case i%50 == 1: // clusterwide, by namespace label
			s.CiliumClusterwideNetworkPolicies = append(s.CiliumClusterwideNetworkPolicies, &v2.CiliumClusterwideNetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ccnp-%d", i)},
				Spec: &api.Rule{EndpointSelector: api.NewESFromK8sLabelSelector("", &slimv1.LabelSelector{MatchLabels: map[string]slimv1.MatchLabelsValue{
					"io.cilium.k8s.namespace.labels.team": fmt.Sprintf("team-%d", i%25)}}), Egress: []api.EgressRule{{}}}})
		case i%2 == 0:
			s.NetworkPolicies = append(s.NetworkPolicies, &networkingv1.NetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Namespace: a.ns, Name: fmt.Sprintf("np-%d", i)},
				Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: selector},
					Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}}}}})
		default:
			ml := map[string]slimv1.MatchLabelsValue{"k8s:app.kubernetes.io/name": slimv1.MatchLabelsValue(a.name)}
			s.CiliumNetworkPolicies = append(s.CiliumNetworkPolicies, &v2.CiliumNetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Namespace: a.ns, Name: fmt.Sprintf("cnp-%d", i)},
				Spec: &api.Rule{EndpointSelector: api.NewESFromK8sLabelSelector("", &slimv1.LabelSelector{MatchLabels: ml}),
					Ingress: []api.IngressRule{{}}, Egress: []api.EgressRule{{EgressCommonRule: api.EgressCommonRule{ToEntities: api.EntitySlice{api.EntityWorld}}}}}})
		}
	}
	routes(s, shape, func(i int) (string, string) { a := apps[i%len(apps)]; return a.ns, a.name })
	for _, src := range snapshot.Sources {
		s.Sources = append(s.Sources, snapshot.SourceState{Source: src, Available: true, Version: src.Versions[0]})
	}
	return s
}

// PodObject returns a synthetic pod as the Pod object to create or write
// as a manifest.
func PodObject(p *snapshot.Pod) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: p.ObjectMeta(),
		Spec:   corev1.PodSpec{HostNetwork: p.Spec.HostNetwork, ServiceAccountName: p.Spec.ServiceAccountName, Containers: p.Spec.Containers},
		Status: corev1.PodStatus{Phase: p.Status.Phase}}
}

// DeploymentPod returns a synthetic pod as the Pod object a Deployment's
// pod is (to create or write as a manifest): the pods of one app share
// their ReplicaSet (owner and pod-template-hash) and their container
// (image, a named port).
func DeploymentPod(sp *snapshot.Pod) *corev1.Pod {
	p := PodObject(sp)
	p.Labels = maps.Clone(p.Labels)
	app := p.Labels["app.kubernetes.io/name"]
	hash := fmt.Sprintf("%08x", crc32.ChecksumIEEE([]byte(p.Namespace+"/"+app)))
	p.Labels["pod-template-hash"] = hash
	p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: app + "-" + hash,
		UID: types.UID(fmt.Sprintf("00000000-0000-4000-8000-0000%s", hash)), Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}
	p.Spec.Containers = []corev1.Container{{Name: "app", Image: "registry.example/" + app + ":1.0.0",
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}}}
	return p
}
