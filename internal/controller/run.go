package controller

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
)

// leaderElectionLost is the error controller-runtime's manager returns when
// its leader loses the Lease (pkg/manager/internal.go; it exports no
// sentinel, and its own tests match the text too).
const leaderElectionLost = "leader election lost"

// rejoinRetry is how often Run tries to build a new manager while the API
// server is unreachable.
const rejoinRetry = 2 * time.Second

// Run builds and runs the manager until ctx ends. When the leader loses its
// Lease (the API server was unreachable for longer than the renew
// deadline), controller-runtime stops the manager; Run then builds a new
// one, which rejoins the election with fresh caches, instead of ending the
// process: an API server outage is recovered from without a restart.
func Run(ctx context.Context, cfg *rest.Config, o ManagerOptions) error {
	log := ctrl.Log.WithName("setup")
	if o.LeaderElectionIdentity == "" {
		o.LeaderElectionIdentity = NewIdentity() // kept across rejoins
	}
	rejoining := false
	for {
		mgr, err := NewManager(cfg, o)
		if err != nil && rejoining {
			// The API server is still away: building a manager reads its
			// discovery information. Try again until it is back.
			log.Info("cannot build the manager yet; retrying", "error", err.Error())
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(rejoinRetry):
				continue
			}
		}
		if err != nil {
			return err
		}
		log.Info("starting manager")
		err = mgr.Start(ctx)
		switch {
		case ctx.Err() != nil:
			return nil // asked to stop
		case err != nil && strings.Contains(err.Error(), leaderElectionLost):
			log.Info("leadership lost; rejoining the election with a new manager")
			o.SkipNameValidation = true // the same controller again, in this process
			rejoining = true
		case err != nil:
			return err
		default:
			return fmt.Errorf("the manager stopped on its own")
		}
	}
}
