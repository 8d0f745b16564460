package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// transitionTime matches the condition times a controller rewrites.
var transitionTime = regexp.MustCompile(`"lastTransitionTime":"[^"]*"`)

// acceptedBy is a SecurityPolicy status as Envoy Gateway writes it.
const acceptedBy = `{"ancestors":[{"ancestorRef":{"group":"gateway.networking.k8s.io","kind":"Gateway","name":"envoy-external",` +
	`"namespace":"network"},"controllerName":"gateway.envoyproxy.io/gatewayclass-controller","conditions":[{"type":"Accepted",` +
	`"status":"True","reason":"Accepted","message":"ok","lastTransitionTime":"2026-12-01T10:00:00Z"}]}]}`

// faultDebounce is the manager's debounce window in these tests.
const faultDebounce = 500 * time.Millisecond

// until polls check until it says done, failing the test after timeout,
// and returns how long it took.
func until(t *testing.T, timeout time.Duration, what string, check func() (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		ok, state := check()
		if ok {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s: not within %s; last: %s", what, timeout, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// jsonpath reads one field of the inventory "cluster" (or another).
func (c *cluster) jsonpath(name, path string) string {
	out, err := c.get("get", "networkinventory", name, "-o", "jsonpath="+path)
	if err != nil {
		return "error: " + out
	}
	return strings.TrimSpace(out)
}

// applyYAML applies a manifest given as text.
func (c *cluster) applyYAML(t *testing.T, manifest string) (string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "manifest.yaml") // kubectl -f splits at commas: test names must have none
	if err := os.WriteFile(path, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return c.get("apply", "-f", path)
}

// isolate gives a namespace a default-deny NetworkPolicy: a change every
// inventory shows (the namespace's coverage).
func (c *cluster) isolate(t *testing.T, ns string) {
	t.Helper()
	if out, err := c.applyYAML(t, fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: %s}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
`, ns)); err != nil {
		t.Fatalf("isolating %s: %v\n%s", ns, err, out)
	}
}

// coverage returns the coverage state of a namespace in the inventory.
func (c *cluster) coverage(ns string) string {
	return c.jsonpath("cluster", fmt.Sprintf(`{.status.namespaces.items[?(@.name==%q)].coverage}`, ns))
}

// reflects waits until the inventory shows ns as covered, and returns how
// long after the change that was.
func (c *cluster) reflects(t *testing.T, ns string, timeout time.Duration) time.Duration {
	t.Helper()
	return until(t, timeout, "namespace "+ns+" covered in the inventory", func() (bool, string) {
		state := c.coverage(ns)
		return state == "Covered", state
	})
}

// TestFaults runs the manager binary, as the chart's ServiceAccount, on a
// local control plane with the homelab objects, and injects the faults a
// real cluster brings: status-only updates of every watched kind, foreign
// status writes, bad specs, CRDs that go and come back, the API server
// going away, restarts, SIGTERM and a leader that dies. Each case logs the
// times it measured.
func TestFaults(t *testing.T) {
	top := t
	c := startCluster(t, 12479, 16543)
	sa := c.installChart(t)
	run(t, c.env, "go", "run", "./hack/fixture", "-crds", "", "test/fixtures/homelab")
	// A killed leader's Lease is taken over once it expires: the lease
	// duration plus at most a retry period. With the defaults (15s, 10s, 2s)
	// that measured 17.8 s; the test runs with a 10 s lease to keep its
	// 20 s bound clear of a noisy machine.
	leaseFlags := []string{"--leader-election-lease-duration=10s", "--leader-election-renew-deadline=7s", "--leader-election-retry-period=2s"}
	if _, err := buildManager(); err != nil { // not part of the start time
		t.Fatal(err)
	}
	start := time.Now()
	mgr := startManagerProc(t, "manager", sa, chartNamespace, 18481, 18480, leaseFlags...)
	mgr.waitReadyz(t, true, 90*time.Second)
	t.Logf("first inventory computed and /readyz ok %s after start", time.Since(start).Round(10*time.Millisecond))
	if got := c.jsonpath("cluster", "{.status.summary.endpoints}"); got != "10" {
		t.Fatalf("endpoints after start: %s, want 10", got)
	}

	t.Run("status-only updates of every watched kind", func(t *testing.T) {
		// The homelab has no clusterwide policy: add one to update.
		if out, err := c.applyYAML(t, `apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: dns}
spec:
  endpointSelector: {}
  egress:
  - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}}]
    toPorts: [{ports: [{port: "53", protocol: ANY}]}]
`); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		condition := func(typ string) string {
			return fmt.Sprintf(`{"status":{"conditions":[{"type":%q,"status":"True","reason":"Test","lastTransitionTime":"2026-12-01T09:56:00Z","message":"ok"}]}}`, typ)
		}
		updates := []struct{ kind, name, patch string }{
			// The reproduction of the crash: a Cilium agent's status write.
			{"ciliumnetworkpolicies.cilium.io", "", condition("Valid")},
			{"ciliumclusterwidenetworkpolicies.cilium.io", "dns", condition("Valid")},
			// Controllers rewriting their statuses ("" : the status as it is,
			// with new transition times).
			{"gateways.gateway.networking.k8s.io", "", ""},
			{"httproutes.gateway.networking.k8s.io", "", ""},
			{"securitypolicies.gateway.envoyproxy.io", "", ""},
			{"pods", "", `{"status":{"podIP":"10.244.9.%d"}}`},
			{"services", "envoy-external -n network", `{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.%d"}]}}}`},
			{"namespaces", "monitoring", condition("NamespaceDeletionContentFailure")},
		}
		begin := time.Now()
		n := 0
		for _, u := range updates {
			target := u.name
			args := []string{"get", u.kind, "-o", "jsonpath={.items[0].metadata.name} {.items[0].metadata.namespace}"}
			if target == "" {
				out := strings.Fields(c.kubectl(t, append(args, "-A")...))
				if len(out) == 0 {
					t.Fatalf("no %s in the fixture", u.kind)
				}
				target = out[0]
				if len(out) > 1 {
					target += " -n " + out[1]
				}
			}
			for round := range 3 {
				body := u.patch
				switch {
				case body == "":
					status := strings.TrimSpace(c.kubectl(t, append(append([]string{"get", u.kind}, strings.Fields(target)...),
						"-o", "jsonpath={.status}")...))
					if status == "" || status == "{}" {
						status = acceptedBy // a policy no controller has written a status for yet
					}
					stamp := fmt.Sprintf(`"lastTransitionTime":"2026-12-01T10:0%d:00Z"`, round)
					body = `{"status":` + transitionTime.ReplaceAllString(status, stamp) + `}`
				case strings.Contains(body, "%d"):
					body = fmt.Sprintf(body, round+1)
				}
				patch := append([]string{"patch", u.kind}, strings.Fields(target)...)
				c.kubectl(t, append(patch, "--subresource=status", "--type=merge", "-p", body)...)
				n++
			}
		}
		t.Logf("%d status-only updates over %d kinds written in %s", n, len(updates), time.Since(begin).Round(10*time.Millisecond))
		time.Sleep(2 * faultDebounce)
		if !mgr.alive() {
			t.Fatal("the manager died on status-only updates")
		}
		c.isolate(t, "cert-manager")
		t.Logf("a change after them shown in %s", c.reflects(t, "cert-manager", 10*time.Second).Round(10*time.Millisecond))
		if restarts := strings.Count(mgr.log.String(), "panic"); restarts > 0 {
			t.Errorf("the manager logged %d panics", restarts)
		}
	})

	t.Run("a foreign status write is restored", func(t *testing.T) {
		critical := c.jsonpath("cluster", "{.status.summary.findings.critical}")
		c.kubectl(t, "patch", "networkinventory", "cluster", "--subresource=status", "--type=merge", "--field-manager=someone-else",
			"-p", `{"status":{"summary":{"findings":{"critical":0}},"conditions":[{"type":"CriticalFindings","status":"False","reason":"Forged","message":"all good","lastTransitionTime":"2026-12-01T09:56:00Z"}]}}`)
		took := until(t, 10*time.Second, "forged status restored", func() (bool, string) {
			got := c.jsonpath("cluster", "{.status.summary.findings.critical}")
			cond := c.jsonpath("cluster", `{.status.conditions[?(@.type=="CriticalFindings")].status}`)
			return got == critical && cond == "True", got + " " + cond
		})
		t.Logf("forged status restored %s after the write (debounce %s)", took.Round(10*time.Millisecond), faultDebounce)
		if took > 5*time.Second {
			t.Errorf("restoring took %s", took)
		}
	})

	t.Run("a bad spec", func(t *testing.T) {
		for _, bad := range []string{"banana", "9999999999h", "5s"} {
			out, err := c.applyYAML(t, fmt.Sprintf(`apiVersion: netinventory.io/v1alpha1
kind: NetworkInventory
metadata: {name: broken}
spec: {resyncPeriod: %q}
`, bad))
			if err == nil || !strings.Contains(out, "resyncPeriod") {
				t.Errorf("resyncPeriod %q accepted or refused without naming the field: %v\n%s", bad, err, out)
			}
		}
		if out, err := c.applyYAML(t, `apiVersion: netinventory.io/v1alpha1
kind: NetworkInventory
metadata: {name: broken}
spec: {namespaceSelector: {matchLabels: {"not a label!": x}}}
`); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		took := until(t, 20*time.Second, "broken inventory Ready=False InvalidSpec", func() (bool, string) {
			got := c.jsonpath("broken", `{.status.conditions[?(@.type=="Ready")].reason}`)
			return got == "InvalidSpec", got
		})
		t.Logf("unusable spec reported as InvalidSpec in %s", took.Round(10*time.Millisecond))
		c.isolate(t, "system-upgrade")
		t.Logf("the good inventory still follows: a change shown in %s", c.reflects(t, "system-upgrade", 10*time.Second).Round(10*time.Millisecond))
		c.kubectl(t, "delete", "networkinventory", "broken")
	})

	t.Run("optional CRDs deleted and reinstalled", func(t *testing.T) {
		c.kubectl(t, "delete", "crd", "ciliumnetworkpolicies.cilium.io", "ciliumclusterwidenetworkpolicies.cilium.io")
		took := until(t, 30*time.Second, "Cilium reported missing", func() (bool, string) {
			msg := c.jsonpath("cluster", `{.status.conditions[?(@.type=="SourcesAvailable")].message}`)
			return strings.Contains(msg, "CiliumNetworkPolicy.cilium.io"), msg
		})
		t.Logf("CRDs deleted: reported missing %s after the delete", took.Round(10*time.Millisecond))
		if !mgr.alive() {
			t.Fatal("the manager died when CRDs were deleted")
		}
		begin := time.Now()
		run(t, c.env, "go", "run", "./hack/fixture", "-crds", "cilium", "test/fixtures/homelab")
		took = until(t, 30*time.Second, "Cilium policies read again", func() (bool, string) {
			avail := c.jsonpath("cluster", `{.status.conditions[?(@.type=="SourcesAvailable")].status}`)
			count := c.jsonpath("cluster", `{.status.sources[?(@.kind=="CiliumNetworkPolicy")].count}`)
			return avail == "True" && count != "" && count != "0", avail + " " + count
		})
		t.Logf("CRDs and policies reinstalled in %s; read again %s after that", (time.Since(begin) - took).Round(10*time.Millisecond),
			took.Round(10*time.Millisecond))
	})

	t.Run("API server stopped for 30 s", func(t *testing.T) {
		run(t, c.env, "hack/local-cluster.sh", "stop-apiserver")
		stopped := time.Now()
		took := mgr.waitReadyz(t, false, 20*time.Second)
		t.Logf("/readyz failed %s after the API server stopped", took.Round(10*time.Millisecond))
		time.Sleep(30*time.Second - time.Since(stopped))
		run(t, c.env, "hack/local-cluster.sh", "start")
		t.Logf("API server back after %s", time.Since(stopped).Round(100*time.Millisecond))
		if !mgr.alive() {
			t.Fatal("the manager died while the API server was away")
		}
		took = mgr.waitReadyz(t, true, 60*time.Second)
		if rejoined := strings.Contains(mgr.log.String(), "rejoining the election"); rejoined {
			t.Log("the leader lost its Lease while the API server was away and rejoined the election in the same process")
		}
		t.Logf("/readyz ok again %s after the API server came back", took.Round(10*time.Millisecond))
		c.isolate(t, "csi-proxmox")
		took = c.reflects(t, "csi-proxmox", 10*time.Second)
		t.Logf("first change after the recovery shown in %s", took.Round(10*time.Millisecond))
	})

	t.Run("SIGTERM exits within 5 s", func(t *testing.T) {
		took := mgr.stop(t, syscall.SIGTERM)
		t.Logf("exited %s after SIGTERM", took.Round(time.Millisecond))
		if took > 5*time.Second {
			t.Errorf("SIGTERM took %s to exit", took)
		}
	})

	t.Run("restarted with nothing changed it writes nothing", func(t *testing.T) {
		before := c.jsonpath("cluster", "{.metadata.resourceVersion}")
		begin := time.Now()
		// Owned by the whole test: it is the leader the last case kills.
		mgr = startManagerProc(top, "manager (restarted)", sa, chartNamespace, 18481, 18480, leaseFlags...)
		took := mgr.waitReadyz(t, true, 60*time.Second)
		t.Logf("restarted manager ready (inventory recomputed) %s after start", took.Round(10*time.Millisecond))
		time.Sleep(3 * time.Second) // a few debounce windows
		if after := c.jsonpath("cluster", "{.metadata.resourceVersion}"); after != before {
			t.Errorf("the restarted manager rewrote an unchanged inventory: resourceVersion %s -> %s", before, after)
		}
		t.Logf("no write in the %s after the restart", time.Since(begin).Round(100*time.Millisecond))
	})

	t.Run("the leader is killed and the standby takes over", func(t *testing.T) {
		standby := startManagerProc(t, "standby", sa, chartNamespace, 18491, 18490, leaseFlags...)
		standby.waitReadyz(t, true, 60*time.Second) // a standby is ready once synced
		if holder := c.kubectl(t, "get", "lease", "netinventory.io", "-n", chartNamespace, "-o", "jsonpath={.spec.holderIdentity}"); holder == "" {
			t.Fatal("no leader")
		}
		killed := time.Now()
		mgr.stop(t, syscall.SIGKILL) // no Lease release: the standby waits for it to expire
		c.isolate(t, "flux-system")
		took := c.reflects(t, "flux-system", 40*time.Second)
		t.Logf("the standby wrote the change %s after the leader was killed", time.Since(killed).Round(10*time.Millisecond))
		if took > 20*time.Second {
			t.Errorf("takeover took %s", took)
		}
		if strings.Contains(standby.log.String(), "forbidden") {
			t.Errorf("the standby hit a permission the chart does not grant:\n%s", grepLines(standby.log.String(), "forbidden"))
		}
	})
	if strings.Contains(mgr.log.String(), "forbidden") {
		t.Errorf("the manager hit a permission the chart does not grant:\n%s", grepLines(mgr.log.String(), "forbidden"))
	}
}
