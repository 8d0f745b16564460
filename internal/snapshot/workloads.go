package snapshot

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// WorkloadPods turns workload manifests into the pods they would run, for
// an offline audit: Deployments, StatefulSets and ReplicaSets run their
// replicas (default 1), a DaemonSet one pod (the node count is not in the
// manifests), a Job its parallelism (default 1), a CronJob one. The pods
// carry the template's labels, service account and hostNetwork, and are
// Running. Use it as Loader.Other.
func WorkloadPods(s *Snapshot, u *unstructured.Unstructured) (bool, error) {
	gvk := u.GroupVersionKind()
	var template *corev1.PodTemplateSpec
	replicas := int32(1)
	into := func(obj runtime.Object) error {
		return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj)
	}
	switch gvk.GroupKind() {
	case schema.GroupKind{Group: "apps", Kind: "Deployment"}:
		var d appsv1.Deployment
		if err := into(&d); err != nil {
			return true, err
		}
		template, replicas = &d.Spec.Template, replicasOf(d.Spec.Replicas)
	case schema.GroupKind{Group: "apps", Kind: "StatefulSet"}:
		var d appsv1.StatefulSet
		if err := into(&d); err != nil {
			return true, err
		}
		template, replicas = &d.Spec.Template, replicasOf(d.Spec.Replicas)
	case schema.GroupKind{Group: "apps", Kind: "ReplicaSet"}:
		var d appsv1.ReplicaSet
		if err := into(&d); err != nil {
			return true, err
		}
		template, replicas = &d.Spec.Template, replicasOf(d.Spec.Replicas)
	case schema.GroupKind{Group: "apps", Kind: "DaemonSet"}:
		var d appsv1.DaemonSet
		if err := into(&d); err != nil {
			return true, err
		}
		template = &d.Spec.Template
	case schema.GroupKind{Group: "batch", Kind: "Job"}:
		var j batchv1.Job
		if err := into(&j); err != nil {
			return true, err
		}
		template, replicas = &j.Spec.Template, replicasOf(j.Spec.Parallelism)
	case schema.GroupKind{Group: "batch", Kind: "CronJob"}:
		var j batchv1.CronJob
		if err := into(&j); err != nil {
			return true, err
		}
		template = &j.Spec.JobTemplate.Spec.Template
	default:
		return false, nil
	}
	ns := u.GetNamespace()
	if ns == "" {
		ns = "default"
	}
	for i := range replicas {
		p := corev1.Pod{ObjectMeta: *template.ObjectMeta.DeepCopy(), Spec: *template.Spec.DeepCopy(),
			Status: corev1.PodStatus{Phase: corev1.PodRunning}}
		p.Namespace, p.Name = ns, fmt.Sprintf("%s-%d", u.GetName(), i)
		s.Pods = append(s.Pods, p)
	}
	return true, nil
}

func replicasOf(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}
