package snapshot

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// podsReader lists pods as the informer cache does with
// UnsafeDisableDeepCopy: the cached objects, set into the list.
type podsReader struct{ pods []runtime.Object }

func (r podsReader) Get(context.Context, client.ObjectKey, client.Object, ...client.GetOption) error {
	return fmt.Errorf("not served")
}

func (r podsReader) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	if _, ok := list.(*corev1.PodList); !ok {
		return nil
	}
	return meta.SetList(list, r.pods)
}

// BenchmarkFromReader20kPods measures building a snapshot of 20k pods from
// a cache.
func BenchmarkFromReader20kPods(b *testing.B) {
	benchmarkFromReader(b, func(pods []runtime.Object) client.Reader { return podsReader{pods} })
}

func benchmarkFromReader(b *testing.B, reader func([]runtime.Object) client.Reader) {
	var pods []runtime.Object
	for i := range 20_000 {
		pods = append(pods, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns-%d", i%60), Name: fmt.Sprintf("p-%d", i),
			Labels: map[string]string{"app": fmt.Sprintf("a-%d", i%900)}}, Status: corev1.PodStatus{Phase: corev1.PodRunning}})
	}
	versions := map[*Source]string{}
	for _, src := range Sources {
		if src.Kind == "Pod" {
			versions[src] = "v1"
		}
	}
	r := reader(pods)
	b.ReportAllocs()
	for b.Loop() {
		s, err := FromReader(context.Background(), r, versions)
		if err != nil || len(s.Pods) != 20_000 {
			b.Fatal(err, len(s.Pods))
		}
	}
}

// sharedPodsReader hands out its pods as a cache's store does
// (ObjectLister): the snapshot holds them without copying.
type sharedPodsReader struct{ podsReader }

func (r sharedPodsReader) ListObjects(_ context.Context, obj client.Object, _ client.ObjectList) ([]runtime.Object, error) {
	if _, ok := obj.(*corev1.Pod); !ok {
		return nil, nil
	}
	return r.pods, nil
}

// BenchmarkFromStore20kPods measures building a snapshot of 20k pods from
// a cache's store, sharing its objects.
func BenchmarkFromStore20kPods(b *testing.B) {
	benchmarkFromReader(b, func(pods []runtime.Object) client.Reader {
		compact := make([]runtime.Object, len(pods)) // as the manager's cache holds them
		for i, p := range pods {
			compact[i] = CompactPod(p.(*corev1.Pod), nil)
		}
		return sharedPodsReader{podsReader{compact}}
	})
}
