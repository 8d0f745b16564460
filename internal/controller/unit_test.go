package controller

import (
	"context"
	"slices"
	"strings"
	"testing"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/metrics"
	"netinventory.io/netinventory/internal/snapshot"
)

func TestTrimPodKeepsOnlyWhatTheEngineReads(t *testing.T) {
	in := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "p", Namespace: "n", ResourceVersion: "7", Labels: map[string]string{"app": "a"},
			Annotations:   map[string]string{"big": "x"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubelet"}},
			OwnerReferences: []metav1.OwnerReference{
				{Kind: "ReplicaSet", Name: "rs", Controller: ptr.To(true)},
				{Kind: "Other", Name: "o"},
			},
		},
		Spec: corev1.PodSpec{HostNetwork: true, NodeName: "k8s-1", ServiceAccountName: "sa",
			Containers: []corev1.Container{{Name: "c", Image: "i", Command: []string{"oauth2-proxy"}, Args: []string{"--upstream=x"},
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 4180, Protocol: corev1.ProtocolTCP, HostPort: 80}},
				Env:   []corev1.EnvVar{{Name: "SECRET", Value: "x"}}}},
			Volumes: []corev1.Volume{
				{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: "tunnel"}, Items: []corev1.KeyToPath{{Key: "a", Path: "b"}}}}},
				{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "mixed", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
					{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "more"}}},
					{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}}}}}}},
			}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady}}},
	}
	out, err := TrimPod(in)
	if err != nil {
		t.Fatal(err)
	}
	p := out.(*snapshot.Pod)
	if p.Name != "p" || p.Namespace != "n" || p.ResourceVersion != "7" || p.Labels["app"] != "a" ||
		!p.Spec.HostNetwork || p.Spec.NodeName != "k8s-1" || p.Spec.ServiceAccountName != "sa" || p.Status.Phase != corev1.PodRunning {
		t.Errorf("lost what the engine reads: %+v", p)
	}
	// Named target ports, proxies by image and program, tunnels by the
	// ConfigMaps they mount.
	wantContainers := []corev1.Container{{Name: "c", Image: "i", Command: []string{"oauth2-proxy"}, Args: []string{"--upstream=x"},
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 4180, Protocol: corev1.ProtocolTCP}}}}
	if !equality.Semantic.DeepEqual(p.Spec.Containers, wantContainers) {
		t.Errorf("containers %+v, want %+v", p.Spec.Containers, wantContainers)
	}
	if got := snapshot.MountedConfigMaps(p); !slices.Equal(got, []string{"tunnel", "more"}) || len(p.Spec.Volumes) != 2 {
		t.Errorf("volumes %+v: want the ConfigMaps tunnel and more, nothing else", p.Spec.Volumes)
	}
	// A snapshot.Pod has no field for the rest of the metadata, spec and
	// status.
	if len(p.OwnerReferences) != 1 || p.Spec.Volumes[0].ConfigMap.Items != nil {
		t.Errorf("kept what it does not read: %+v", p)
	}
	if tomb, _ := TrimPod("tombstone"); tomb != "tombstone" {
		t.Errorf("other values pass through")
	}
	// An offline audit reads a Pod manifest as the manager's cache keeps
	// the pod: the same fields, only not shared.
	if audit := snapshot.CompactPod(in, nil); !equality.Semantic.DeepEqual(audit, p) {
		t.Errorf("the audit's pod differs from the cache's:\n%+v\n%+v", audit, p)
	}
}

func TestOnlyVersionChanged(t *testing.T) {
	a := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", ResourceVersion: "1"}}
	b := a.DeepCopy()
	b.ResourceVersion = "2"
	b.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubelet"}}
	if !onlyVersionChanged(a, b) {
		t.Error("only the resourceVersion changed")
	}
	b.Labels = map[string]string{"x": "y"}
	if onlyVersionChanged(a, b) {
		t.Error("a label changed")
	}
}

// TestOnlyVersionChangedOnCiliumObjects: Cilium's selectors have unexported
// fields that reflection-based equality panics on; a status-only update of
// a CiliumNetworkPolicy must neither panic nor be lost.
func TestOnlyVersionChangedOnCiliumObjects(t *testing.T) {
	cnp := &ciliumv2.CiliumNetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "n", Name: "p", ResourceVersion: "1"},
		Spec: &api.Rule{EndpointSelector: api.NewESFromLabels(), Ingress: []api.IngressRule{{IngressCommonRule: api.IngressCommonRule{
			FromEndpoints: []api.EndpointSelector{api.NewESFromMatchRequirements(map[string]string{"app": "web"}, nil)}}}}},
	}
	relisted := cnp.DeepCopy()
	relisted.ResourceVersion = "2"
	if !onlyVersionChanged(cnp, relisted) {
		t.Error("a re-list with a new resourceVersion only")
	}
	status := relisted.DeepCopy()
	status.Status.Conditions = []ciliumv2.NetworkPolicyCondition{{Type: ciliumv2.PolicyConditionValid, Status: corev1.ConditionTrue}}
	if onlyVersionChanged(cnp, status) {
		t.Error("the status changed: the engine reads Valid")
	}
	ccnp := &ciliumv2.CiliumClusterwideNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "c", ResourceVersion: "1"},
		Spec: &api.Rule{EndpointSelector: api.WildcardEndpointSelector}}
	other := ccnp.DeepCopy()
	other.Spec.EndpointSelector = api.NewESFromLabels()
	other.Spec.EndpointSelector.MatchLabels = map[string]string{"k8s:app": "x"}
	if onlyVersionChanged(ccnp, other) {
		t.Error("the selector changed")
	}
}

// TestEventHandlerPanicIsRecovered: a panic while handling an event is
// counted and every inventory still enqueued; it never reaches the informer.
func TestEventHandlerPanicIsRecovered(t *testing.T) {
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	defer q.ShutDown()
	d := &debouncedEnqueuer{reader: panickyReader{}, debounce: 0}
	before := testutil.ToFloat64(metrics.HandlerPanics.WithLabelValues("*v1.Pod"))
	d.Create(context.Background(), event.CreateEvent{Object: &corev1.Pod{}}, q)
	if got := testutil.ToFloat64(metrics.HandlerPanics.WithLabelValues("*v1.Pod")) - before; got != 1 {
		t.Errorf("panics counted: %v, want 1", got)
	}
}

// panickyReader panics on every call, as a broken cache might.
type panickyReader struct{ client.Reader }

func (panickyReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	panic("broken")
}

func TestSameContentIgnoresTimes(t *testing.T) {
	t1, t2 := metav1.Unix(100, 0), metav1.Unix(200, 0)
	a := &v1alpha1.NetworkInventoryStatus{LastRecomputeTime: &t1, Conditions: []metav1.Condition{
		{Type: "Ready", Status: "True", LastTransitionTime: t1}}}
	b := &v1alpha1.NetworkInventoryStatus{LastRecomputeTime: &t2, LastChangeTime: &t2, Conditions: []metav1.Condition{
		{Type: "Ready", Status: "True", LastTransitionTime: t2}}}
	if same, _ := sameContent(a, b); !same {
		t.Error("statuses that differ only in times are the same")
	}
	b.Summary.Pods = 1
	if same, _ := sameContent(a, b); same {
		t.Error("a count changed")
	}
	if same, _ := sameContent(&v1alpha1.NetworkInventoryStatus{}, &v1alpha1.NetworkInventoryStatus{Conditions: []metav1.Condition{}}); !same {
		t.Error("nil and empty conditions are the same")
	}
	gen := &v1alpha1.NetworkInventoryStatus{ObservedGeneration: 2, Conditions: []metav1.Condition{{Type: "Ready", Status: "True", ObservedGeneration: 2}}}
	gen1 := &v1alpha1.NetworkInventoryStatus{ObservedGeneration: 1, Conditions: []metav1.Condition{{Type: "Ready", Status: "True", ObservedGeneration: 1}}}
	if same, _ := sameContent(gen, gen1); same {
		t.Error("a new observed generation is written")
	}
	if same, _ := sameInventory(gen, gen1); !same {
		t.Error("but is not a change of the inventory: lastChangeTime stays")
	}
}

func TestDiffEvents(t *testing.T) {
	now := metav1.Now()
	ep := func(h string) v1alpha1.EndpointEntry {
		return v1alpha1.EndpointEntry{Hostname: h, Gateway: "gw/edge", Listener: "https", Route: v1alpha1.ObjectRef{Kind: "HTTPRoute", Namespace: "a", Name: h}}
	}
	old := &v1alpha1.NetworkInventoryStatus{LastRecomputeTime: &now,
		Endpoints: v1alpha1.EndpointList{Items: []v1alpha1.EndpointEntry{ep("a"), ep("b")}},
		Findings:  v1alpha1.FindingList{Items: []v1alpha1.Finding{{Rule: "R", Subject: "x", Priority: "Low", Message: "m"}}}}
	new := &v1alpha1.NetworkInventoryStatus{
		Endpoints: v1alpha1.EndpointList{Items: []v1alpha1.EndpointEntry{ep("b"), ep("c")}},
		Findings:  v1alpha1.FindingList{Items: []v1alpha1.Finding{{Rule: "R", Subject: "y", Priority: "Critical", Message: "bad"}}}}
	var got []string
	for _, c := range diffEvents(old, new) {
		got = append(got, c.eventType+" "+c.reason)
	}
	want := "Normal EndpointAdded,Normal EndpointRemoved,Warning FindingOpened,Normal FindingResolved"
	if strings.Join(got, ",") != want {
		t.Errorf("got %v, want %s", got, want)
	}
	new.Endpoints.Truncated = true
	if n := len(diffEvents(old, new)); n != 2 {
		t.Errorf("a truncated list is not compared: %d events", n)
	}
	if n := len(diffEvents(&v1alpha1.NetworkInventoryStatus{}, new)); n != 0 {
		t.Errorf("the first inventory is not a change: %d events", n)
	}
}
