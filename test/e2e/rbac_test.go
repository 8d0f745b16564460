package e2e

import (
	"slices"
	"strings"
	"testing"
)

// serviceAccount is the chart's ServiceAccount, as kubectl --as names it.
const serviceAccount = "system:serviceaccount:" + chartNamespace + ":netinventory"

// checkLeastPrivilege asks the API server, with `kubectl auth can-i` as the
// chart's ServiceAccount, what the manager may do: read its sources, write
// its own status, its own Lease and Events, read the one ConfigMap
// cilium-config, and nothing else; never Secrets.
func checkLeastPrivilege(t *testing.T, c *cluster) {
	t.Helper()
	for _, tc := range []struct {
		args []string
		want bool
	}{
		// What it needs.
		{[]string{"list", "pods", "-A"}, true},
		{[]string{"watch", "ciliumnetworkpolicies.cilium.io", "-A"}, true},
		{[]string{"watch", "httproutes.gateway.networking.k8s.io", "-A"}, true},
		{[]string{"patch", "networkinventories.netinventory.io", "--subresource=status"}, true},
		{[]string{"create", "leases.coordination.k8s.io", "-n", chartNamespace}, true},
		{[]string{"update", "leases.coordination.k8s.io/netinventory.io", "-n", chartNamespace}, true},
		{[]string{"create", "events.events.k8s.io", "-n", "default"}, true},
		{[]string{"create", "tokenreviews.authentication.k8s.io"}, true},
		{[]string{"create", "subjectaccessreviews.authorization.k8s.io"}, true},
		{[]string{"get", "configmaps/cilium-config", "-n", "kube-system"}, true},
		// Leases elsewhere, or other Leases.
		{[]string{"create", "leases.coordination.k8s.io", "-n", "kube-system"}, false},
		{[]string{"update", "leases.coordination.k8s.io/kube-scheduler", "-n", "kube-system"}, false},
		{[]string{"delete", "leases.coordination.k8s.io/netinventory.io", "-n", chartNamespace}, false},
		{[]string{"update", "leases.coordination.k8s.io/other", "-n", chartNamespace}, false},
		{[]string{"get", "leases.coordination.k8s.io/kube-controller-manager", "-n", "kube-system"}, false},
		// Secrets and ConfigMaps, anywhere.
		{[]string{"get", "secrets", "-A"}, false},
		{[]string{"list", "secrets", "-n", chartNamespace}, false},
		{[]string{"get", "configmaps", "-n", "kube-system"}, false},
		{[]string{"list", "configmaps", "-n", "kube-system"}, false},
		{[]string{"get", "configmaps/coredns", "-n", "kube-system"}, false},
		{[]string{"get", "configmaps/cilium-config", "-n", "default"}, false},
		// Events outside default and its own namespace.
		{[]string{"create", "events", "-n", "kube-system"}, false},
		{[]string{"create", "events", "-n", chartNamespace}, false},
		{[]string{"create", "events.events.k8s.io", "-n", "monitoring"}, false},
		// Writes to anything but its status.
		{[]string{"patch", "networkinventories.netinventory.io"}, false},
		{[]string{"update", "networkinventories.netinventory.io"}, false},
		{[]string{"delete", "networkinventories.netinventory.io"}, false},
		{[]string{"create", "pods", "-n", "default"}, false},
		{[]string{"delete", "ciliumnetworkpolicies.cilium.io", "-A"}, false},
		{[]string{"patch", "httproutes.gateway.networking.k8s.io", "-A"}, false},
		{[]string{"update", "customresourcedefinitions.apiextensions.k8s.io"}, false},
	} {
		args := append([]string{"auth", "can-i"}, tc.args...)
		out, _ := c.get(append(args, "--as", serviceAccount)...) // exit 1 means no
		answer := lastLine(out)                                  // after any warning kubectl prints
		if got := answer == "yes"; got != tc.want {
			t.Errorf("kubectl auth can-i %s as the chart's ServiceAccount: %q, want %v", strings.Join(tc.args, " "), answer, tc.want)
		}
	}
	// Everything it may write, namespace by namespace: nothing beyond the list.
	allowed := map[string][]string{
		"":             {"networkinventories.netinventory.io/status", "tokenreviews.authentication.k8s.io", "subjectaccessreviews.authorization.k8s.io"},
		chartNamespace: {"leases.coordination.k8s.io"},
		"default":      {"events", "events.events.k8s.io"},
	}
	// What every authenticated user may write, by the API server's defaults.
	everyone := []string{"selfsubjectaccessreviews.authorization.k8s.io", "selfsubjectrulesreviews.authorization.k8s.io",
		"selfsubjectreviews.authentication.k8s.io"}
	for _, ns := range []string{"kube-system", chartNamespace, "default", "monitoring"} {
		out := c.kubectl(t, "auth", "can-i", "--list", "-n", ns, "--as", serviceAccount)
		for _, line := range strings.Split(out, "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 2 || !writes(line) {
				continue
			}
			resource := f[0]
			if slices.Contains(everyone, resource) || slices.Contains(allowed[""], resource) || slices.Contains(allowed[ns], resource) {
				continue
			}
			t.Errorf("in namespace %s the chart's ServiceAccount may write %q", ns, line)
		}
	}
}

// writes reports whether a `kubectl auth can-i --list` line grants a write.
func writes(line string) bool {
	i := strings.LastIndex(line, "[")
	if i < 0 {
		return false
	}
	for _, verb := range strings.Fields(strings.Trim(line[i:], "[] ")) {
		switch verb {
		case "create", "update", "patch", "delete", "deletecollection", "*", "escalate", "bind", "impersonate":
			return true
		}
	}
	return false
}

// lastLine returns the last non-empty line of text.
func lastLine(text string) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
