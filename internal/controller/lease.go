package controller

import (
	"fmt"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/uuid"
	coordinationv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// inClusterNamespace is where a pod finds its own namespace.
const inClusterNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// NewIdentity returns a leader election identity: the host name and a
// random suffix. A process keeps one across the managers it builds, so that
// after losing its Lease it takes it back at once instead of waiting for
// the Lease to expire as a stranger would.
func NewIdentity() string {
	host, err := os.Hostname()
	if err != nil {
		host = "netinventory"
	}
	return host + "_" + string(uuid.NewUUID())
}

// leaseLock is the Lease the replicas elect their leader with, held under
// the options' identity.
func leaseLock(cfg *rest.Config, o ManagerOptions) (resourcelock.Interface, error) {
	ns := o.LeaderElectionNamespace
	if ns == "" {
		data, err := os.ReadFile(inClusterNamespace)
		if err != nil {
			return nil, fmt.Errorf("no --leader-election-namespace and not in a pod: %w", err)
		}
		ns = strings.TrimSpace(string(data))
	}
	id := o.LeaderElectionIdentity
	if id == "" {
		id = NewIdentity()
	}
	cfg = rest.CopyConfig(cfg)
	rest.AddUserAgent(cfg, "leader-election")
	// A hung request must not outlast the renew deadline.
	cfg.Timeout = max(*durationOr(o.RenewDeadline, 10*time.Second)/2, time.Second)
	core, err := corev1client.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	coordination, err := coordinationv1client.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return resourcelock.New(resourcelock.LeasesResourceLock, ns, LeaderElectionID, core, coordination,
		resourcelock.ResourceLockConfig{Identity: id})
}
