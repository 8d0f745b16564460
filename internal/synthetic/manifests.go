package synthetic

import (
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"netinventory.io/netinventory/internal/scheme"
)

// Manifests returns the cluster of Cluster(pods, policies) as the YAML
// kubectl prints for its objects (the pods dressed as a Deployment's, by
// DeploymentPod), one document per object, grouped by namespace: the
// Namespace, then its pods, NetworkPolicies and CiliumNetworkPolicies.
func Manifests(pods, policies int) (map[string][][]byte, error) {
	snap := Cluster(pods, policies)
	byNamespace := map[string][][]byte{}
	add := func(ns string, obj runtime.Object) error {
		doc, err := manifest(obj)
		byNamespace[ns] = append(byNamespace[ns], doc)
		return err
	}
	var err error
	for i := range snap.Namespaces {
		err = add(snap.Namespaces[i].Name, &snap.Namespaces[i])
	}
	for i := 0; i < len(snap.Pods) && err == nil; i++ {
		err = add(snap.Pods[i].Namespace, DeploymentPod(snap.Pods[i]))
	}
	for i := 0; i < len(snap.NetworkPolicies) && err == nil; i++ {
		err = add(snap.NetworkPolicies[i].Namespace, snap.NetworkPolicies[i])
	}
	for i := 0; i < len(snap.CiliumNetworkPolicies) && err == nil; i++ {
		err = add(snap.CiliumNetworkPolicies[i].Namespace, snap.CiliumNetworkPolicies[i])
	}
	return byNamespace, err
}

// manifest prints an object as kubectl does: its fields as JSON names
// them, with apiVersion and kind, keys sorted.
func manifest(obj runtime.Object) ([]byte, error) {
	gvks, _, err := scheme.Scheme.ObjectKinds(obj)
	if err != nil {
		return nil, err
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	m["apiVersion"], m["kind"] = gvks[0].GroupVersion().String(), gvks[0].Kind
	return yaml.Marshal(m)
}
