package snapshot

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// Tunnel is a cloudflared tunnel configuration: where the tunnel forwards
// the hostnames it serves from the internet.
type Tunnel struct {
	// Origin names where the configuration was read, e.g. `ConfigMap
	// network/cloudflared (config.yaml)` or `HelmRelease network/tunnel`.
	Origin string
	// Namespace of the object it was read from; a bare Service name in an
	// ingress rule is in this namespace.
	Namespace string
	// ConfigMap is the name of the ConfigMap it was read from, if any.
	ConfigMap string
	// Ingress are the ingress rules, in order.
	Ingress []TunnelIngress
}

// TunnelIngress is one ingress rule of a tunnel.
type TunnelIngress struct {
	// Hostname the rule matches; empty matches every hostname.
	Hostname string
	// Service is where matching requests go, e.g.
	// `https://envoy-external.network.svc.cluster.local:443`.
	Service string
}

// TunnelsInConfigMap returns the tunnel configurations among a ConfigMap's
// data values: each value that is a YAML document with cloudflared's
// `ingress` rules.
func TunnelsInConfigMap(namespace, name string, data map[string]string) []Tunnel {
	var out []Tunnel
	for _, k := range slices.Sorted(maps.Keys(data)) {
		for _, ing := range TunnelIngressIn(data[k]) {
			out = append(out, Tunnel{Origin: "ConfigMap " + namespace + "/" + name + ", key " + k, Namespace: namespace, ConfigMap: name, Ingress: ing})
		}
	}
	return out
}

// TunnelIngressIn parses a text that may be a cloudflared configuration
// and returns its ingress rule lists (none when it is not one).
func TunnelIngressIn(text string) [][]TunnelIngress {
	if !strings.Contains(text, "ingress") || !strings.Contains(text, "service") {
		return nil
	}
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		return nil
	}
	return TunnelIngressInValue(v)
}

// maxValueDepth bounds the walk through nested values.
const maxValueDepth = 32

// TunnelIngressInValue walks a decoded YAML or JSON value (Helm values,
// say) and returns every cloudflared ingress rule list in it: a list named
// `ingress` whose items have a `service`, found at any depth, and inside
// string values that are themselves cloudflared configurations.
func TunnelIngressInValue(v any) [][]TunnelIngress {
	var out [][]TunnelIngress
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > maxValueDepth {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			if rules, ok := ingressRules(t["ingress"]); ok {
				out = append(out, rules)
			}
			for _, k := range slices.Sorted(maps.Keys(t)) {
				if k != "ingress" {
					walk(t[k], depth+1)
				}
			}
		case []any:
			for _, item := range t {
				walk(item, depth+1)
			}
		case string:
			if depth > 0 {
				out = append(out, TunnelIngressIn(t)...)
			}
		}
	}
	walk(v, 0)
	return out
}

// ingressRules reads a cloudflared ingress list: items with a string
// `service` and an optional string `hostname`.
func ingressRules(v any) ([]TunnelIngress, bool) {
	items, ok := v.([]any)
	if !ok || len(items) == 0 {
		return nil, false
	}
	var out []TunnelIngress
	for _, item := range items {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, false
		}
		svc, ok := m["service"].(string)
		if !ok {
			return nil, false
		}
		host, _ := m["hostname"].(string)
		out = append(out, TunnelIngress{Hostname: host, Service: svc})
	}
	return out, true
}

// readTunnelConfig keeps the tunnel configurations of a ConfigMap among the
// manifests; it reports whether the object was a ConfigMap holding one.
func readTunnelConfig(s *Snapshot, u *unstructured.Unstructured) (bool, error) {
	if u.GroupVersionKind().GroupKind() != corev1.SchemeGroupVersion.WithKind("ConfigMap").GroupKind() {
		return false, nil
	}
	var cm corev1.ConfigMap
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &cm); err != nil {
		return false, nil // not one the inventory reads; said as an unknown kind
	}
	namespace := cmp.Or(cm.Namespace, "default")
	tunnels := TunnelsInConfigMap(namespace, cm.Name, cm.Data)
	s.Tunnels = append(s.Tunnels, tunnels...)
	return len(tunnels) > 0, nil
}

// RunsCloudflared says whether a pod runs the cloudflared tunnel client.
func RunsCloudflared(p *Pod) bool {
	return slices.ContainsFunc(p.Spec.Containers, func(c corev1.Container) bool {
		return strings.Contains(imageName(c.Image), "cloudflared")
	})
}

// imageName is an image reference without tag or digest, lower case.
func imageName(image string) string {
	image, _, _ = strings.Cut(image, "@")
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	return strings.ToLower(image)
}

// MountedConfigMaps are the names of the ConfigMaps a pod mounts as
// volumes, directly or projected.
func MountedConfigMaps(p *Pod) []string {
	var out []string
	for _, v := range p.Spec.Volumes {
		if v.ConfigMap != nil {
			out = append(out, v.ConfigMap.Name)
		}
		if v.Projected != nil {
			for _, s := range v.Projected.Sources {
				if s.ConfigMap != nil {
					out = append(out, s.ConfigMap.Name)
				}
			}
		}
	}
	return out
}
