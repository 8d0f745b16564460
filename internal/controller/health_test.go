package controller

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/scheme"
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
