package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

const reachInput = "../../test/scenarios/reach-load-balancer-service-bypasses-gateway/input.yaml"

func TestReachTellsAllowedAndDeniedWithTheDecidingPolicies(t *testing.T) {
	out, errOut, code := run(t, "", "reach", "-f", reachInput, "gateway:net/public", "monitoring/grafana")
	if code != 0 || !strings.Contains(out, "ALLOWED proxies of gateway net/public -> monitoring/grafana-0 3000/TCP: AllowedByRule (CiliumNetworkPolicy/monitoring/from-gateway)") {
		t.Errorf("the gateway's proxies may reach grafana on its container port (exit %d):\n%s%s", code, out, errOut)
	}
	out, _, code = run(t, "", "reach", "-f", reachInput, "cluster", "monitoring/grafana-0:3000")
	if code != 1 || !strings.Contains(out, "DENIED  any pod -> monitoring/grafana-0 3000/TCP: DefaultDeny (CiliumNetworkPolicy/monitoring/from-gateway)") {
		t.Errorf("any pod is refused by default deny, exit 1 (exit %d):\n%s", code, out)
	}
	out, _, code = run(t, "", "reach", "-f", reachInput, "-o", "json", "net/envoy-public-abc", "monitoring/grafana:3000/TCP")
	var answers []reachAnswer
	if err := json.Unmarshal([]byte(out), &answers); err != nil || code != 0 || len(answers) != 1 || !answers[0].Allowed {
		t.Errorf("a proxy pod named by name may connect, as JSON (exit %d, %v): %s", code, err, out)
	}
}

func TestReachRefusesWhatItCannotResolve(t *testing.T) {
	for _, args := range [][]string{
		{"monitoring/nothing", "monitoring/grafana:3000"},
		{"cluster", "monitoring"},
		{"cluster", "monitoring/grafana:http"},
		{"cluster", "monitoring/grafana:80/ICMP"},
	} {
		_, errOut, code := run(t, "", append([]string{"reach", "-f", reachInput}, args...)...)
		if code != 2 || errOut == "" {
			t.Errorf("reach %v: exit 2 with an error, got %d: %s", args, code, errOut)
		}
	}
}
