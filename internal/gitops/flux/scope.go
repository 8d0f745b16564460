package flux

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// clusterScoped are the cluster-scoped kinds of Kubernetes and of the
// projects a GitOps repository commonly installs; the CRDs of a build add
// theirs.
var clusterScoped = map[schema.GroupKind]bool{
	{Kind: "Namespace"}: true, {Kind: "Node"}: true, {Kind: "PersistentVolume"}: true,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}:                         true,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}:                  true,
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}:                 true,
	{Group: "apiregistration.k8s.io", Kind: "APIService"}:                             true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingWebhookConfiguration"}:   true,
	{Group: "admissionregistration.k8s.io", Kind: "MutatingWebhookConfiguration"}:     true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicy"}:        true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicyBinding"}: true,
	{Group: "storage.k8s.io", Kind: "StorageClass"}:                                   true,
	{Group: "storage.k8s.io", Kind: "CSIDriver"}:                                      true,
	{Group: "storage.k8s.io", Kind: "VolumeAttachment"}:                               true,
	{Group: "scheduling.k8s.io", Kind: "PriorityClass"}:                               true,
	{Group: "node.k8s.io", Kind: "RuntimeClass"}:                                      true,
	{Group: "networking.k8s.io", Kind: "IngressClass"}:                                true,
	{Group: "gateway.networking.k8s.io", Kind: "GatewayClass"}:                        true,
	{Group: "cilium.io", Kind: "CiliumClusterwideNetworkPolicy"}:                      true,
	{Group: "cilium.io", Kind: "CiliumLoadBalancerIPPool"}:                            true,
	{Group: "cilium.io", Kind: "CiliumL2AnnouncementPolicy"}:                          true,
	{Group: "cilium.io", Kind: "CiliumBGPClusterConfig"}:                              true,
	{Group: "netinventory.io", Kind: "NetworkInventory"}:                              true,
	{Group: "cert-manager.io", Kind: "ClusterIssuer"}:                                 true,
	{Group: "external-secrets.io", Kind: "ClusterSecretStore"}:                        true,
	{Group: "snapshot.storage.k8s.io", Kind: "VolumeSnapshotClass"}:                   true,
}

// Namespaces makes the objects' namespaces what the API server would
// store: a cluster-scoped object loses the namespace a kustomize namespace
// transformer gave it (kustomize cannot know a CRD's scope; the API server
// ignores it). It returns the objects of namespaced kinds left without a
// namespace: neither the repository nor a targetNamespace gave them one.
// A kind is cluster-scoped when Kubernetes or a common project defines it
// so, or when a CRD among the objects says so.
func Namespaces(objects []Object) (missing []Object) {
	scoped := map[schema.GroupKind]bool{}
	for gk := range clusterScoped {
		scoped[gk] = true
	}
	for _, o := range objects {
		if crd, ok := ReadCRD(o.Unstructured); ok && crd.Scope == "Cluster" {
			scoped[schema.GroupKind{Group: crd.Group, Kind: crd.Kind}] = true
		}
	}
	for _, o := range objects {
		switch {
		case scoped[o.GroupVersionKind().GroupKind()]:
			o.SetNamespace("")
		case o.GetNamespace() == "":
			missing = append(missing, o)
		}
	}
	return missing
}

// CRD is what a build's CustomResourceDefinition says of its kind.
type CRD struct {
	// Group and Kind of the resource.
	Group, Kind string
	// Scope is Namespaced or Cluster.
	Scope string
	// Versions are the versions it serves.
	Versions []string
}

// ReadCRD reads a CustomResourceDefinition; ok is false for other objects.
func ReadCRD(u *unstructured.Unstructured) (crd CRD, ok bool) {
	if u.GetKind() != "CustomResourceDefinition" || u.GroupVersionKind().Group != "apiextensions.k8s.io" {
		return CRD{}, false
	}
	crd.Group, _, _ = unstructured.NestedString(u.Object, "spec", "group")
	crd.Kind, _, _ = unstructured.NestedString(u.Object, "spec", "names", "kind")
	crd.Scope, _, _ = unstructured.NestedString(u.Object, "spec", "scope")
	versions, _, _ := unstructured.NestedSlice(u.Object, "spec", "versions")
	for _, v := range versions {
		if m, ok := v.(map[string]any); ok {
			if name, ok := m["name"].(string); ok {
				crd.Versions = append(crd.Versions, name)
			}
		}
	}
	return crd, true
}
