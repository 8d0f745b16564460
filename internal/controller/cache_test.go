package controller

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"netinventory.io/netinventory/internal/snapshot"
)

// The snapshot read from the cache's store holds the cache's own pods (no
// copy), compact, equal to the API server's pods compacted, and follows the cache as it
// changes (a deletion, a pod turning terminal).
func TestStoreReaderSharesTheCachedObjects(t *testing.T) {
	cfg, c := startAPIServer(t)
	ctx := context.Background()
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: fmt.Sprintf("web-%d", i), Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "web:1",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}}}
		if err := c.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}}}); err != nil {
		t.Fatal(err)
	}
	informers := startCache(t, cfg)

	versions := map[*snapshot.Source]string{}
	for _, src := range snapshot.Sources {
		if !src.Optional {
			versions[src] = src.Versions[0]
		}
	}
	otherKinds := map[*snapshot.Source]string{} // what the cache's List can serve
	for src, v := range versions {
		if src.Kind != "Pod" {
			otherKinds[src] = v
		}
	}
	readKinds := func(r client.Reader, versions map[*snapshot.Source]string) *snapshot.Snapshot {
		t.Helper()
		s, err := snapshot.FromReader(ctx, r, versions)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	read := func(r client.Reader) *snapshot.Snapshot {
		t.Helper()
		return readKinds(r, versions)
	}
	store := storeReader{informers}
	shared, listed := read(store), read(c)                                                // c reads the API server
	if len(shared.Pods) != 5 || len(shared.Services) < 2 || len(shared.Namespaces) == 0 { // web and default/kubernetes
		t.Fatalf("store: %d pods, %d services, %d namespaces", len(shared.Pods), len(shared.Services), len(shared.Namespaces))
	}
	byName := func(s *snapshot.Snapshot) map[string]*snapshot.Pod {
		m := map[string]*snapshot.Pod{}
		for _, p := range s.Pods {
			m[p.Name] = p
		}
		return m
	}
	fromStore, fromList, again := byName(shared), byName(listed), byName(read(store))
	for name, p := range fromStore {
		if !apiequality.Semantic.DeepEqual(p, fromList[name]) {
			t.Errorf("pod %s: the store's differs from the list's:\n%+v\n%+v", name, p, fromList[name])
		}
		if again[name] != p {
			t.Errorf("pod %s: two snapshots hold different copies; the store's object should be shared", name)
		}
		if len(p.Spec.Containers) != 1 || p.Spec.Containers[0].Ports[0].Name != "http" {
			t.Errorf("pod %s: not trimmed as the cache keeps it: %+v", name, p.Spec)
		}
	}
	// The other kinds, against the cache's List (the cache strips
	// managedFields), both in the store's (map) order: compare them sorted.
	listed = readKinds(informers, otherKinds)
	byKey := func(a, b metav1.Object) int {
		return cmp.Or(cmp.Compare(a.GetNamespace(), b.GetNamespace()), cmp.Compare(a.GetName(), b.GetName()))
	}
	for _, s := range []*snapshot.Snapshot{shared, listed} {
		slices.SortFunc(s.Services, func(a, b corev1.Service) int { return byKey(&a, &b) })
		slices.SortFunc(s.Namespaces, func(a, b corev1.Namespace) int { return byKey(&a, &b) })
	}
	if !apiequality.Semantic.DeepEqual(shared.Services, listed.Services) || !apiequality.Semantic.DeepEqual(shared.Namespaces, listed.Namespaces) {
		t.Error("services or namespaces: the store's differ from the list's")
	}

	// A deleted pod and a pod that ends leave the next snapshot.
	if err := c.Delete(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-0"}}); err != nil {
		t.Fatal(err)
	}
	done := &corev1.Pod{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "web-1"}, done); err != nil {
		t.Fatal(err)
	}
	done.Status.Phase = corev1.PodSucceeded
	if err := c.Status().Update(ctx, done); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return len(read(store).Pods) == 3, nil
	})
	if err != nil {
		t.Fatalf("the store's snapshot still has %d pods, want 3", len(read(store).Pods))
	}
	for _, p := range read(store).Pods {
		if p.Name == "web-0" || p.Name == "web-1" {
			t.Errorf("pod %s should have left the snapshot", p.Name)
		}
	}
}
