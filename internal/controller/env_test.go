package controller

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/scheme"
	"netinventory.io/netinventory/internal/testenv"
)

const moduleRoot = "../.."

func TestMain(m *testing.M) {
	// Errors only: the tests say what they check.
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	os.Exit(m.Run())
}

// testDebounce keeps the tests quick while still coalescing bursts.
const testDebounce = 200 * time.Millisecond

// startAPIServer starts a real API server with our CRD and the given
// third-party CRD sets.
func startAPIServer(t *testing.T, crdSets ...string) (*rest.Config, client.Client) {
	t.Helper()
	env := testenv.Start(t, moduleRoot, crdSets...)
	return env.Config, env.Client
}

// startManager runs a manager built as cmd/main.go builds it until the
// test ends.
func startManager(t *testing.T, cfg *rest.Config, o ManagerOptions) {
	t.Helper()
	if o.Debounce == 0 {
		o.Debounce = testDebounce
	}
	o.SkipNameValidation = true
	mgr, err := NewManager(cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
}

// startCache starts a cache built as the manager's (CacheOptions) until
// the test ends, and waits for it to start.
func startCache(t *testing.T, cfg *rest.Config) cache.Cache {
	t.Helper()
	opts := CacheOptions()
	opts.Scheme = scheme.Scheme
	informers, err := cache.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = informers.Start(ctx) }()
	if !informers.WaitForCacheSync(ctx) {
		t.Fatal("the cache did not start")
	}
	return informers
}

// applyFixture applies a fixture directory, statuses included.
func applyFixture(t *testing.T, c client.Client, dir string) {
	t.Helper()
	(&testenv.Env{Client: c}).Apply(t, dir)
}

// eventually polls the NetworkInventory until check passes.
func eventually(t *testing.T, timeout time.Duration, c client.Client, name string, check func(*v1alpha1.NetworkInventory) error) *v1alpha1.NetworkInventory {
	t.Helper()
	var last *v1alpha1.NetworkInventory
	testenv.Eventually(t, timeout, func() error {
		ni := &v1alpha1.NetworkInventory{} // fresh: decoding into a used object keeps stale fields
		if err := c.Get(context.Background(), types.NamespacedName{Name: name}, ni); err != nil {
			return err
		}
		last = ni
		return check(ni)
	})
	return last
}

// ready checks the inventory is Ready for its current generation.
func ready(ni *v1alpha1.NetworkInventory) error {
	c := meta.FindStatusCondition(ni.Status.Conditions, v1alpha1.ConditionReady)
	if c == nil || c.Status != metav1.ConditionTrue {
		return errors.New("not Ready")
	}
	if ni.Status.ObservedGeneration != ni.Generation {
		return errors.New("observedGeneration behind")
	}
	return nil
}

func createInventory(t *testing.T, c client.Client, name string, spec v1alpha1.NetworkInventorySpec) {
	t.Helper()
	ni := &v1alpha1.NetworkInventory{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}
	if err := c.Create(context.Background(), ni); err != nil {
		t.Fatal(err)
	}
}
