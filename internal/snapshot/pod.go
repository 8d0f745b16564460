package snapshot

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Pod is what the inventory reads of a Pod, and nothing else: a sixth of
// the memory of a corev1.Pod (224 bytes against 1,280, before the values it
// points to). Its fields have the names and JSON of a Pod's, so it reads
// like one and serialises as a Pod that sets only them. It is a
// client.Object: the manager's cache holds pods in this form (its cache
// transform makes them), and the snapshot and the engine read them in
// place.
//
// +kubebuilder:object:generate=true
// +kubebuilder:object:root=true
type Pod struct {
	metav1.TypeMeta `json:",inline"`
	// PodMeta keeps name, namespace, resourceVersion, labels,
	// deletionTimestamp and the controller owner reference (its API
	// version, kind and name).
	PodMeta `json:"metadata,omitempty"`
	// Spec is the part of the pod's spec the inventory reads.
	Spec PodSpec `json:"spec,omitempty"`
	// Status is the part of the pod's status the inventory reads.
	Status PodStatus `json:"status,omitempty"`
}

// PodSpec is what the inventory reads of a pod's spec.
//
// +kubebuilder:object:generate=true
type PodSpec struct {
	// HostNetwork pods share the node's network identity: pod policies do
	// not apply to them.
	HostNetwork bool `json:"hostNetwork,omitempty"`
	// NodeName is the node the pod runs on.
	NodeName string `json:"nodeName,omitempty"`
	// ServiceAccountName is part of the pod's Cilium identity.
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	// Containers keep name, image, command, arguments and ports: named
	// target ports, authentication proxies and tunnel clients are
	// recognised by them.
	Containers []corev1.Container `json:"containers,omitempty"`
	// Volumes keep those that mount ConfigMaps (a tunnel's
	// configuration), and of them the ConfigMaps' names.
	Volumes []corev1.Volume `json:"volumes,omitempty"`
}

// PodStatus is what the inventory reads of a pod's status.
//
// +kubebuilder:object:generate=true
type PodStatus struct {
	// Phase tells running pods from terminal ones.
	Phase corev1.PodPhase `json:"phase,omitempty"`
}

// PodParts makes the parts of a compact pod from a Pod's: an
// implementation may share equal parts among pods (the pods of one
// workload have the same labels, owner, containers and volumes). What it
// returns is read-only.
type PodParts interface {
	// String returns a namespace, node or service account name.
	String(s string) string
	// Labels returns the pod's labels.
	Labels(m map[string]string) map[string]string
	// Controller returns the controller owner reference as ControllerOf
	// does.
	Controller(refs []metav1.OwnerReference) []metav1.OwnerReference
	// Containers returns the containers trimmed as TrimContainers does.
	Containers(cs []corev1.Container) []corev1.Container
	// Volumes returns the volumes trimmed as ConfigMapVolumes does.
	Volumes(vs []corev1.Volume) []corev1.Volume
}

// CompactPod returns the part of a Pod the inventory reads, its parts made
// by parts (nil: trimmed, not shared).
func CompactPod(p *corev1.Pod, parts PodParts) *Pod {
	if parts == nil {
		parts = trimmedParts{}
	}
	out := &Pod{
		TypeMeta: p.TypeMeta,
		Spec: PodSpec{
			HostNetwork:        p.Spec.HostNetwork,
			NodeName:           parts.String(p.Spec.NodeName),
			ServiceAccountName: parts.String(p.Spec.ServiceAccountName),
			Containers:         parts.Containers(p.Spec.Containers),
			Volumes:            parts.Volumes(p.Spec.Volumes),
		},
		Status: PodStatus{Phase: p.Status.Phase},
	}
	out.Name = p.Name
	out.Namespace = parts.String(p.Namespace)
	out.ResourceVersion = p.ResourceVersion
	out.Labels = parts.Labels(p.Labels)
	out.DeletionTimestamp = p.DeletionTimestamp
	out.OwnerReferences = parts.Controller(p.OwnerReferences)
	return out
}

// trimmedParts trims a pod's parts and shares nothing.
type trimmedParts struct{}

func (trimmedParts) String(s string) string                       { return s }
func (trimmedParts) Labels(m map[string]string) map[string]string { return m }
func (trimmedParts) Containers(cs []corev1.Container) []corev1.Container {
	return TrimContainers(cs)
}
func (trimmedParts) Volumes(vs []corev1.Volume) []corev1.Volume { return ConfigMapVolumes(vs) }
func (trimmedParts) Controller(refs []metav1.OwnerReference) []metav1.OwnerReference {
	return ControllerOf(refs)
}

// ControllerOf returns the owner reference that is the controller (a pod
// has at most one), with its API version, kind and name.
func ControllerOf(refs []metav1.OwnerReference) []metav1.OwnerReference {
	for _, r := range refs {
		if r.Controller != nil && *r.Controller {
			return []metav1.OwnerReference{{APIVersion: r.APIVersion, Kind: r.Kind, Name: r.Name, Controller: &isController}}
		}
	}
	return nil
}

// isController is what every kept owner reference's Controller points to.
var isController = true

// TrimContainers keeps of each container its name, image, command,
// arguments, and its ports' names, numbers and protocols.
func TrimContainers(in []corev1.Container) []corev1.Container {
	if len(in) == 0 {
		return nil
	}
	out := make([]corev1.Container, len(in))
	for i, c := range in {
		out[i] = corev1.Container{Name: c.Name, Image: c.Image, Command: c.Command, Args: c.Args}
		for _, port := range c.Ports {
			out[i].Ports = append(out[i].Ports, corev1.ContainerPort{Name: port.Name, ContainerPort: port.ContainerPort, Protocol: port.Protocol})
		}
	}
	return out
}

// ConfigMapVolumes keeps the volumes that mount ConfigMaps, directly or
// projected, and of them only the ConfigMaps' names.
func ConfigMapVolumes(in []corev1.Volume) []corev1.Volume {
	var out []corev1.Volume
	for _, v := range in {
		switch {
		case v.ConfigMap != nil:
			out = append(out, corev1.Volume{Name: v.Name, VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: v.ConfigMap.LocalObjectReference}}})
		case v.Projected != nil:
			var sources []corev1.VolumeProjection
			for _, src := range v.Projected.Sources {
				if src.ConfigMap != nil {
					sources = append(sources, corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: src.ConfigMap.LocalObjectReference}})
				}
			}
			if len(sources) > 0 {
				out = append(out, corev1.Volume{Name: v.Name, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: sources}}})
			}
		}
	}
	return out
}
