package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
)

// readiness answers /readyz: the manager is ready when its caches have
// synced, the API server answers, and, on the leader, every inventory was
// computed since the start and recently enough (within twice its resync
// period plus a minute: a resync that keeps failing makes it unready).
type readiness struct {
	synced  atomic.Bool
	elected <-chan struct{}
	reader  client.Reader
	api     rest.Interface
	now     func() time.Time

	mu        sync.Mutex
	succeeded map[string]time.Time
	resync    map[string]time.Duration
}

// apiTimeout bounds the readiness probe's call to the API server.
const apiTimeout = 2 * time.Second

// staleAfter is how old an inventory's last success may be before the
// manager stops being ready.
func staleAfter(resync time.Duration) time.Duration { return 2*resync + time.Minute }

func newReadiness() *readiness {
	return &readiness{now: time.Now, succeeded: map[string]time.Time{}, resync: map[string]time.Duration{}}
}

// success records a successful reconcile of an inventory: its status is
// what the manager computed (or says why it cannot be computed).
func (r *readiness) success(name string, resync time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.succeeded[name] = r.now()
	r.resync[name] = resync
}

func (r *readiness) forget(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.succeeded, name)
	delete(r.resync, name)
}

func (r *readiness) leader() bool {
	if r.elected == nil {
		return true
	}
	select {
	case <-r.elected:
		return true
	default:
		return false
	}
}

// Check is the readiness checker.
func (r *readiness) Check(req *http.Request) error {
	if !r.synced.Load() {
		return errors.New("caches not synced yet")
	}
	if r.api != nil {
		ctx, cancel := context.WithTimeout(req.Context(), apiTimeout)
		defer cancel()
		if err := r.api.Get().AbsPath("/readyz").Do(ctx).Error(); err != nil {
			return fmt.Errorf("the API server is not ready or not reachable: %w", err)
		}
	}
	if !r.leader() {
		return nil // a standby computes nothing until it leads
	}
	names, err := inventoryNames(req.Context(), r.reader)
	if err != nil {
		return err
	}
	sort.Strings(names)
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	for _, name := range names {
		last, ok := r.succeeded[name]
		if !ok {
			return fmt.Errorf("inventory %s not computed yet", name)
		}
		if age := now.Sub(last); age > staleAfter(r.resync[name]) {
			return fmt.Errorf("inventory %s last computed %s ago", name, age.Round(time.Second))
		}
	}
	return nil
}

var _ healthz.Checker = (&readiness{}).Check
