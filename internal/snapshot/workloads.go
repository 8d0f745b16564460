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
	read, ok := workloadKinds[u.GroupVersionKind().GroupKind()]
	if !ok {
		return false, nil
	}
	template, replicas, err := read(u)
	if err != nil {
		return true, err
	}
	ns := u.GetNamespace()
	if ns == "" {
		ns = "default"
	}
	// The replicas share the template's labels and containers (read-only).
	pod := CompactPod(&corev1.Pod{ObjectMeta: template.ObjectMeta, Spec: template.Spec,
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}, nil)
	for i := range replicas {
		p := *pod
		p.Namespace, p.Name = ns, fmt.Sprintf("%s-%d", u.GetName(), i)
		s.Pods = append(s.Pods, &p)
	}
	return true, nil
}

// IsWorkloadKind says whether WorkloadPods takes objects of a kind.
func IsWorkloadKind(gk schema.GroupKind) bool {
	_, ok := workloadKinds[gk]
	return ok
}

// workloadKinds read, per workload kind, its pod template and how many pods
// it runs.
var workloadKinds = map[schema.GroupKind]func(*unstructured.Unstructured) (*corev1.PodTemplateSpec, int32, error){
	{Group: "apps", Kind: "Deployment"}: workload(func(d *appsv1.Deployment) (*corev1.PodTemplateSpec, int32) {
		return &d.Spec.Template, replicasOf(d.Spec.Replicas)
	}),
	{Group: "apps", Kind: "StatefulSet"}: workload(func(d *appsv1.StatefulSet) (*corev1.PodTemplateSpec, int32) {
		return &d.Spec.Template, replicasOf(d.Spec.Replicas)
	}),
	{Group: "apps", Kind: "ReplicaSet"}: workload(func(d *appsv1.ReplicaSet) (*corev1.PodTemplateSpec, int32) {
		return &d.Spec.Template, replicasOf(d.Spec.Replicas)
	}),
	{Group: "apps", Kind: "DaemonSet"}: workload(func(d *appsv1.DaemonSet) (*corev1.PodTemplateSpec, int32) {
		return &d.Spec.Template, 1
	}),
	{Group: "batch", Kind: "Job"}: workload(func(j *batchv1.Job) (*corev1.PodTemplateSpec, int32) {
		return &j.Spec.Template, replicasOf(j.Spec.Parallelism)
	}),
	{Group: "batch", Kind: "CronJob"}: workload(func(j *batchv1.CronJob) (*corev1.PodTemplateSpec, int32) {
		return &j.Spec.JobTemplate.Spec.Template, 1
	}),
}

// workload reads a workload of type T from an unstructured object.
func workload[T any](template func(*T) (*corev1.PodTemplateSpec, int32)) func(*unstructured.Unstructured) (*corev1.PodTemplateSpec, int32, error) {
	return func(u *unstructured.Unstructured) (*corev1.PodTemplateSpec, int32, error) {
		obj := new(T)
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj); err != nil {
			return nil, 0, err
		}
		t, n := template(obj)
		return t, n, nil
	}
}

func replicasOf(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}
