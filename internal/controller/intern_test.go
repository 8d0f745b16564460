package controller

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"netinventory.io/netinventory/internal/snapshot"
)

// replicaPod is a pod of a ReplicaSet; change alters one thing of it.
func replicaPod(name string, change func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, UID: types.UID("uid-" + name),
			Labels: map[string]string{"app": "web", "pod-template-hash": "5d8f"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-5d8f", UID: "rs-1",
				Controller: ptr.To(true)}}},
		Spec: corev1.PodSpec{NodeName: "node-1", ServiceAccountName: "web",
			Containers: []corev1.Container{{Name: "web", Image: "web:1", Args: []string{"--port", "8080"},
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}}},
			Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "web"}}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
	if change != nil {
		change(p)
	}
	return p
}

func trim(t *testing.T, p *corev1.Pod) *snapshot.Pod {
	t.Helper()
	out, err := TrimPod(p)
	if err != nil {
		t.Fatal(err)
	}
	return out.(*snapshot.Pod)
}

// sharesWith says which of a pod's values are the very same as another's.
func sharesWith(a, b *snapshot.Pod) map[string]bool {
	return map[string]bool{
		"labels":     reflect.ValueOf(a.Labels).Pointer() == reflect.ValueOf(b.Labels).Pointer(),
		"owner":      &a.OwnerReferences[0] == &b.OwnerReferences[0],
		"containers": &a.Spec.Containers[0] == &b.Spec.Containers[0],
		"volumes":    &a.Spec.Volumes[0] == &b.Spec.Volumes[0],
	}
}

// The pods of one workload share their labels, owner, containers and
// volumes in the cache; a pod that differs in any of them gets its own,
// with its own content.
func TestTrimPodSharesWhatPodsHaveInCommon(t *testing.T) {
	first, second := trim(t, replicaPod("web-a", nil)), trim(t, replicaPod("web-b", nil))
	for what, shared := range sharesWith(first, second) {
		if !shared {
			t.Errorf("two replicas do not share their %s", what)
		}
	}
	if first.Name != "web-a" || second.Name != "web-b" {
		t.Errorf("names are each pod's own: %s %s", first.Name, second.Name)
	}
	if first.OwnerReferences[0].UID != "" || first.OwnerReferences[0].BlockOwnerDeletion != nil {
		t.Errorf("kept the owner's UID, which nothing reads: %+v", first.OwnerReferences)
	}

	for _, tc := range []struct {
		differs string
		change  func(*corev1.Pod)
	}{
		{"labels", func(p *corev1.Pod) { p.Labels["pod-template-hash"] = "77aa" }},
		{"labels", func(p *corev1.Pod) { p.Labels["extra"] = "" }},
		{"owner", func(p *corev1.Pod) { p.OwnerReferences[0].Name = "web-77aa" }},
		{"owner", func(p *corev1.Pod) { p.OwnerReferences[0].Kind = "StatefulSet" }},
		{"containers", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "web:2" }},
		{"containers", func(p *corev1.Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 8081 }},
		// Fields that would read the same once joined naively.
		{"containers", func(p *corev1.Pod) { p.Spec.Containers[0].Args = []string{"--port8080"} }},
		{"containers", func(p *corev1.Pod) { p.Spec.Containers[0].Args = []string{"--port\x008080"} }},
		{"containers", func(p *corev1.Pod) {
			p.Spec.Containers[0].Command, p.Spec.Containers[0].Args = []string{"--port"}, []string{"8080"}
		}},
		{"volumes", func(p *corev1.Pod) { p.Spec.Volumes[0].ConfigMap.Name = "other" }},
	} {
		in := replicaPod("web-x", tc.change)
		want := in.DeepCopy()
		got := trim(t, in)
		if sharesWith(got, first)[tc.differs] {
			t.Errorf("a pod whose %s differ shares them with the workload's: %+v", tc.differs, got)
		}
		if !equality.Semantic.DeepEqual(got.Labels, want.Labels) || got.OwnerReferences[0].Name != want.OwnerReferences[0].Name || got.OwnerReferences[0].Kind != want.OwnerReferences[0].Kind ||
			!equality.Semantic.DeepEqual(got.Spec.Containers[0].Args, want.Spec.Containers[0].Args) ||
			!equality.Semantic.DeepEqual(got.Spec.Containers[0].Command, want.Spec.Containers[0].Command) ||
			got.Spec.Containers[0].Image != want.Spec.Containers[0].Image ||
			got.Spec.Containers[0].Ports[0].ContainerPort != want.Spec.Containers[0].Ports[0].ContainerPort ||
			got.Spec.Volumes[0].ConfigMap.Name != want.Spec.Volumes[0].ConfigMap.Name {
			t.Errorf("a pod whose %s differ lost its own: %+v", tc.differs, got)
		}
	}
}

// Volumes are keyed by what the cache keeps of them: a projected volume
// without ConfigMaps is dropped, and a projected ConfigMap is not the same
// as a direct one of the same names.
func TestTrimPodSharesVolumesByWhatItKeeps(t *testing.T) {
	projected := func(sources ...corev1.VolumeProjection) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{
				Projected: &corev1.ProjectedVolumeSource{Sources: sources}}}}
		}
	}
	token := corev1.VolumeProjection{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}
	web := corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "web"}}}
	if got := trim(t, replicaPod("token-only", projected(token))); got.Spec.Volumes != nil {
		t.Errorf("a projected volume without ConfigMaps is kept: %+v", got.Spec.Volumes)
	}
	direct := trim(t, replicaPod("direct", nil))
	viaProjection := trim(t, replicaPod("projected", projected(token, web)))
	if len(viaProjection.Spec.Volumes) != 1 || viaProjection.Spec.Volumes[0].Projected == nil ||
		viaProjection.Spec.Volumes[0].Projected.Sources[0].ConfigMap.Name != "web" {
		t.Fatalf("projected ConfigMap volume: %+v", viaProjection.Spec.Volumes)
	}
	if &viaProjection.Spec.Volumes[0] == &direct.Spec.Volumes[0] {
		t.Error("a projected ConfigMap volume shares the direct one's")
	}
	if again := trim(t, replicaPod("projected-2", projected(web, token))); &again.Spec.Volumes[0] != &viaProjection.Spec.Volumes[0] {
		t.Error("two pods mounting the same ConfigMap through a projection do not share it")
	}
}
