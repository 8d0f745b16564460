package scope

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/types"

	"netinventory.io/netinventory/internal/snapshot"
)

// runsTunnel reports whether a pod is an active cloudflared pod.
func runsTunnel(p *snapshot.Pod) bool { return isActive(p) && snapshot.RunsCloudflared(p) }

// indexTunnels resolves every tunnel ingress rule to the Gateway or
// Service it forwards to, and lists the cloudflared pods whose tunnel
// configuration the inventory could not read.
func (ix *evidenceIndex) indexTunnels() {
	tunnels := slices.Clone(ix.snap.Tunnels)
	for i := range ix.snap.HelmReleases {
		hr := &ix.snap.HelmReleases[i]
		for _, ing := range snapshot.TunnelIngressInValue(hr.GetValues()) {
			tunnels = append(tunnels, snapshot.Tunnel{Origin: "HelmRelease " + hr.Namespace + "/" + hr.Name + " values",
				Namespace: cmp.Or(hr.Spec.TargetNamespace, hr.Namespace), Ingress: ing})
		}
	}
	for _, t := range tunnels {
		for _, rule := range t.Ingress {
			text := fmt.Sprintf("cloudflared tunnel ingress %s -> %s (%s)", cmp.Or(rule.Hostname, "*"), rule.Service, t.Origin)
			for _, key := range ix.tunnelTargets(t.Namespace, rule.Service) {
				if !slices.Contains(ix.forwardedTo[key], text) {
					ix.forwardedTo[key] = append(ix.forwardedTo[key], text)
				}
			}
		}
	}
	for _, p := range ix.tunnelPods {
		if !configured(p, tunnels) {
			ix.unknownTunnels = append(ix.unknownTunnels, fmt.Sprintf(
				"cloudflared pod %s/%s runs a tunnel whose ingress rules the inventory cannot read (remotely managed, or a ConfigMap it may not read): it may forward to any gateway",
				p.Namespace, p.Name))
		}
	}
	slices.Sort(ix.unknownTunnels)
}

// tunnelTargets returns the keys (Gateway/ns/name or Service/ns/name) of
// what a tunnel ingress service URL forwards to: none when it is not an
// object the inventory knows, every object that has the address when it
// is one. A Service a gateway's proxies run behind stands for the gateway.
func (ix *evidenceIndex) tunnelTargets(namespace, service string) []string {
	u, err := url.Parse(strings.TrimSpace(service))
	if err != nil || u.Host == "" {
		return nil // http_status:404, hello_world, unix sockets
	}
	host := strings.ToLower(u.Hostname())
	if _, _, ok := addressKind(host); ok {
		return ix.byAddress(host)
	}
	if key := ix.byName(namespace, host); key != "" {
		return []string{key}
	}
	return nil
}

// byName finds the Gateway or Service a Service DNS name (name,
// name.namespace, name.namespace.svc[.cluster.local]) names.
func (ix *evidenceIndex) byName(namespace, host string) string {
	host = strings.TrimSuffix(strings.TrimSuffix(host, ".cluster.local"), ".svc")
	parts := strings.Split(host, ".")
	var key types.NamespacedName
	switch len(parts) {
	case 1:
		key = types.NamespacedName{Namespace: namespace, Name: parts[0]}
	case 2:
		key = types.NamespacedName{Namespace: parts[1], Name: parts[0]}
	default:
		return ""
	}
	if svc := ix.services[key]; svc != nil {
		if gw := svc.Labels[LabelOwningGatewayName]; gw != "" {
			return "Gateway/" + svc.Labels[LabelOwningGatewayNamespace] + "/" + gw
		}
		return "Service/" + key.String()
	}
	if ix.gateways[key] != nil {
		return "Gateway/" + key.String()
	}
	return ""
}

// byAddress finds the Gateways and Services an address belongs to,
// sorted.
func (ix *evidenceIndex) byAddress(addr string) []string {
	var out []string
	for key, gw := range ix.gateways {
		if slices.Contains(GatewayAddresses(gw), addr) {
			out = append(out, "Gateway/"+key.String())
		}
	}
	for key, svc := range ix.services {
		if svc.Spec.ClusterIP == addr || slices.Contains(serviceAddresses(svc), addr) {
			if gw := svc.Labels[LabelOwningGatewayName]; gw != "" {
				out = append(out, "Gateway/"+svc.Labels[LabelOwningGatewayNamespace]+"/"+gw)
			} else {
				out = append(out, "Service/"+key.String())
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// configured says whether a cloudflared pod's tunnel configuration was
// read: it mounts a ConfigMap holding one, or a HelmRelease of its
// namespace configures one.
func configured(p *snapshot.Pod, tunnels []snapshot.Tunnel) bool {
	for _, t := range tunnels {
		if t.Namespace != p.Namespace {
			continue
		}
		if t.ConfigMap == "" {
			return true
		}
		for _, name := range snapshot.MountedConfigMaps(p) {
			if name == t.ConfigMap {
				return true
			}
		}
	}
	return false
}
