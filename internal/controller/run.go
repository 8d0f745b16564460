package controller

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
)

// Run builds and runs the manager until ctx ends. When the leader loses its
// Lease (the API server was unreachable for longer than the renew
// deadline), controller-runtime stops the manager; Run then builds a new
// one, which rejoins the election with fresh caches, instead of ending the
// process: an API server outage is recovered from without a restart.
func Run(ctx context.Context, cfg *rest.Config, o ManagerOptions) error {
	log := ctrl.Log.WithName("setup")
	for {
		mgr, err := NewManager(cfg, o)
		if err != nil {
			return err
		}
		log.Info("starting manager")
		err = mgr.Start(ctx)
		switch {
		case ctx.Err() != nil:
			return nil // asked to stop
		case err != nil && strings.Contains(err.Error(), "leader election lost"):
			log.Info("leadership lost; rejoining the election with a new manager")
			o.SkipNameValidation = true // the same controller again, in this process
		case err != nil:
			return err
		default:
			return fmt.Errorf("the manager stopped on its own")
		}
	}
}
