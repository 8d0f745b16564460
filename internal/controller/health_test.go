package controller

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/scheme"
	"netinventory.io/netinventory/internal/snapshot"
)

// TestReadinessMeansSomething: /readyz fails until the caches synced, while
// the API server does not answer, until the leader computed every
// inventory, and when the last success is too old.
func TestReadinessMeansSomething(t *testing.T) {
	var apiUp atomic.Bool
	apiUp.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" || !apiUp.Load() {
			http.Error(w, "etcd not ready", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	dc, err := discovery.NewDiscoveryClientForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	inv := &v1alpha1.NetworkInventory{ObjectMeta: metav1.ObjectMeta{Name: "cluster"}}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r := newReadiness()
	r.reader = fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(inv).Build()
	r.api = dc.RESTClient()
	r.now = func() time.Time { return now }
	elected := make(chan struct{})
	r.elected = elected
	req := httptest.NewRequest(http.MethodGet, "/readyz", nil)

	expect := func(step, want string) {
		t.Helper()
		err := r.Check(req)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: not ready: %v", step, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: %v, want an error saying %q", step, err, want)
		}
	}
	expect("before the caches synced", "caches not synced")
	r.synced.Store(true)
	expect("a standby with synced caches", "")
	apiUp.Store(false)
	expect("the API server down", "API server")
	apiUp.Store(true)
	close(elected)
	expect("the leader before its first inventory", "not computed yet")
	r.success("cluster", 10*time.Minute)
	expect("the leader with its inventory computed", "")
	now = now.Add(20 * time.Minute)
	expect("within twice the resync period and a minute", "")
	now = now.Add(2 * time.Minute)
	expect("a success 22 minutes old with a 10 minute resync", "last computed 22m0s ago")
	r.forget("cluster")
	expect("a deleted inventory's record is gone, the object is still listed", "not computed yet")
}

// TestReadinessWaitsForTheInventoriesInformer: the caches count as synced
// only once the NetworkInventories' informer has synced, even when nothing
// registered it before the cache started (the controller does so only once
// elected): an empty list from an informer not synced yet would read as
// no inventory to compute, and the manager would answer ready at once.
func TestReadinessWaitsForTheInventoriesInformer(t *testing.T) {
	cfg, c := startAPIServer(t)
	ctx := context.Background()
	inv := snapshot.NewInventoryObject()
	inv.SetName("cluster")
	if err := c.Create(ctx, inv); err != nil {
		t.Fatal(err)
	}
	informers := startCache(t, cfg)
	cctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	r := newReadiness()
	r.reader = informers
	go func() { _ = cacheSyncWaiter(informers, r)(cctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for !r.synced.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the caches never counted as synced")
		}
		time.Sleep(10 * time.Millisecond)
	}
	informer, err := informers.GetInformer(ctx, snapshot.NewInventoryObject(), cache.BlockUntilSynced(false))
	if err != nil {
		t.Fatal(err)
	}
	if !informer.HasSynced() {
		t.Fatal("synced before the NetworkInventories' informer")
	}
	err = r.Check(httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if err == nil || !strings.Contains(err.Error(), "inventory cluster not computed yet") {
		t.Fatalf("readiness with an inventory not computed: %v", err)
	}
}
