package controller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"netinventory.io/netinventory/internal/snapshot"
)

// readTunnelConfigs reads the tunnel configurations of the ConfigMaps that
// running cloudflared pods mount, straight from the API server and only
// where RBAC lets the manager get them by name (the chart's
// rbac.tunnelConfigMaps): no ConfigMap is cached or listed. One it may not
// read leaves its tunnel unknown, which the exposure evidence says. They
// are not watched: a change shows at the next recompute (resyncPeriod at
// the latest).
func readTunnelConfigs(ctx context.Context, r client.Reader, snap *snapshot.Snapshot) {
	seen := map[types.NamespacedName]bool{}
	for i := range snap.Pods {
		p := snap.Pods[i]
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed || !snapshot.RunsCloudflared(p) {
			continue
		}
		for _, name := range snapshot.MountedConfigMaps(p) {
			key := types.NamespacedName{Namespace: p.Namespace, Name: name}
			if seen[key] {
				continue
			}
			seen[key] = true
			var cm corev1.ConfigMap
			if err := r.Get(ctx, key, &cm); err != nil {
				log.FromContext(ctx).V(1).Info("tunnel configuration not readable", "configMap", key.String(), "reason", err.Error())
				continue
			}
			snap.Tunnels = append(snap.Tunnels, snapshot.TunnelsInConfigMap(cm.Namespace, cm.Name, cm.Data)...)
		}
	}
}
