package snapshot

import (
	"strings"
	"testing"
)

func TestTunnelIngressIn(t *testing.T) {
	for name, tc := range map[string]struct {
		text string
		want int // rule lists found
	}{
		"cloudflared config":                      {"tunnel: abc\ningress:\n  - hostname: a.example.com\n    service: https://gw.net.svc:443\n  - service: http_status:404\n", 1},
		"app-template values, config as a string": {"configMaps:\n  config:\n    data:\n      config.yaml: |\n        ingress:\n          - service: http://x:80\n", 1},
		"an Ingress-like list without services":   {"ingress:\n  - host: a\n    path: /\n", 0},
		"ingress that is not a list":              {"ingress: {enabled: true, service: x}\n", 0},
		"not YAML":                                {"ingress: [service: {", 0},
		"empty":                                   {"", 0},
		"an item without a service string":        {"ingress:\n  - service: {name: x}\n", 0},
	} {
		t.Run(name, func(t *testing.T) {
			if got := TunnelIngressIn(tc.text); len(got) != tc.want {
				t.Errorf("got %d rule lists %v, want %d", len(got), got, tc.want)
			}
		})
	}
}

// Deeply nested values end the walk instead of exhausting the stack.
func TestTunnelIngressInDeepValues(t *testing.T) {
	v := any("ingress:\n  - service: http://x:80\n")
	for range 10000 {
		v = map[string]any{"a": []any{v}}
	}
	if got := TunnelIngressInValue(v); len(got) != 0 {
		t.Errorf("a config nested beyond %d levels is not read: got %v", maxValueDepth, got)
	}
	text := strings.Repeat("- ", 5000) + "ingress"
	_ = TunnelIngressIn(text + "\nservice")
}

func TestTunnelsInConfigMap(t *testing.T) {
	got := TunnelsInConfigMap("network", "cloudflared", map[string]string{
		"config.yaml": "ingress:\n  - hostname: '*.example.com'\n    service: https://envoy:443\n",
		"other":       "x: 1",
	})
	if len(got) != 1 || got[0].Origin != "ConfigMap network/cloudflared, key config.yaml" || got[0].ConfigMap != "cloudflared" ||
		len(got[0].Ingress) != 1 || got[0].Ingress[0].Hostname != "*.example.com" || got[0].Ingress[0].Service != "https://envoy:443" {
		t.Errorf("got %+v", got)
	}
}
