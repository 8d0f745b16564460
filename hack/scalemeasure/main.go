// Command scalemeasure measures a running manager (hack/scale.sh starts
// it): time to the first complete inventory, memory settled and peak, heap
// in use, the latency from a change to the status (over the debounce), the
// mean recompute and the API server's mean time to apply the status,
// status writes while idle, and the status's size; it prints a Markdown
// table.
//
//	scalemeasure -pid PID -metrics http://127.0.0.1:28080/metrics -pods N -started UNIX_MS
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/scheme"
)

func main() {
	pid := flag.Int("pid", 0, "the manager's process id")
	metricsURL := flag.String("metrics", "http://127.0.0.1:28080/metrics", "the manager's metrics endpoint")
	pods := flag.Int("pods", 0, "running pods the first complete inventory counts")
	started := flag.Int64("started", time.Now().UnixMilli(), "when the manager was started (unix milliseconds)")
	debounce := flag.Duration("debounce", 2*time.Second, "the manager's debounce")
	changes := flag.Int("changes", 20, "changes whose latency is measured")
	idle := flag.Duration("idle", 30*time.Second, "idle time in which status writes are counted")
	change := flag.String("change", "policy", "the change measured: policy (a NetworkPolicy created: every namespace evaluated again) or pod (a pod created: one namespace)")
	flag.Parse()
	if *change != "policy" && *change != "pod" {
		fmt.Fprintln(os.Stderr, "scalemeasure: -change is policy or pod")
		os.Exit(2)
	}
	if err := run(*pid, *metricsURL, *pods, time.UnixMilli(*started), *debounce, *changes, *change, *idle); err != nil {
		fmt.Fprintln(os.Stderr, "scalemeasure:", err)
		os.Exit(1)
	}
}

func run(pid int, metricsURL string, pods int, started time.Time, debounce time.Duration, changes int, change string, idle time.Duration) error {
	ctx := context.Background()
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		return err
	}
	// The inventory is followed through one watch: each status written
	// arrives once, where polling it would load the API server with
	// copies of a large object while it is being measured.
	inventories, err := c.Watch(ctx, &v1alpha1.NetworkInventoryList{}, client.MatchingFields{"metadata.name": "cluster"})
	if err != nil {
		return err
	}
	defer inventories.Stop()
	var latest *v1alpha1.NetworkInventory
	// next waits for a version of the inventory that satisfies done.
	next := func(timeout time.Duration, done func(*v1alpha1.NetworkInventory) bool) error {
		deadline := time.After(timeout)
		for {
			select {
			case ev, ok := <-inventories.ResultChan():
				if !ok {
					return fmt.Errorf("the watch of the inventory ended")
				}
				ni, isInventory := ev.Object.(*v1alpha1.NetworkInventory)
				if !isInventory {
					continue
				}
				latest = ni
				if done(ni) {
					return nil
				}
			case <-deadline:
				return fmt.Errorf("not there after %s", timeout)
			}
		}
	}
	if err := next(15*time.Minute, func(ni *v1alpha1.NetworkInventory) bool { return int(ni.Status.Summary.Pods) == pods }); err != nil {
		return fmt.Errorf("no complete inventory of %d pods: %w", pods, err)
	}
	first := time.Since(started)
	time.Sleep(15 * time.Second) // the burst of the start settles
	settled, peak, err := memory(pid)
	if err != nil {
		return err
	}
	heap, _ := metric(metricsURL, "go_memstats_heap_inuse_bytes")

	// Changes: a NetworkPolicy (or a pod) created in namespace default,
	// one at a time; the latency is until the status counts it.
	var latencies []time.Duration
	applyBefore, appliesBefore := statusApplies(ctx, cfg)
	sumBefore, _ := metric(metricsURL, "netinventory_recompute_duration_seconds_sum")
	countBefore, _ := metric(metricsURL, "netinventory_recompute_duration_seconds_count")
	for i := range changes {
		obj, counted := changeObject(change, fmt.Sprintf("scale-change-%d-%d", started.Unix(), i), latest)
		start := time.Now()
		if err := c.Create(ctx, obj); err != nil {
			return err
		}
		if err := next(time.Minute, counted); err != nil {
			return fmt.Errorf("change %d: %w", i, err)
		}
		latencies = append(latencies, time.Since(start)-debounce)
		lead, _ := metric(metricsURL, "netinventory_debounce_lead_seconds")
		fmt.Fprintf(os.Stderr, "change %d: %d ms over the debounce (lead %.0f ms)\n", i, latencies[i].Milliseconds(), lead*1000)
		time.Sleep(debounce) // apart from the next
	}
	sumAfter, _ := metric(metricsURL, "netinventory_recompute_duration_seconds_sum")
	countAfter, _ := metric(metricsURL, "netinventory_recompute_duration_seconds_count")
	applyAfter, appliesAfter := statusApplies(ctx, cfg)
	apply := time.Duration(0)
	if appliesAfter > appliesBefore {
		apply = time.Duration((applyAfter - applyBefore) / (appliesAfter - appliesBefore) * float64(time.Second))
	}
	recompute := time.Duration(0)
	if countAfter > countBefore {
		recompute = time.Duration((sumAfter - sumBefore) / (countAfter - countBefore) * float64(time.Second))
	}
	_, peakAfter, err := memory(pid)
	if err != nil {
		return err
	}
	writesBefore, _ := metric(metricsURL, `netinventory_status_writes_total{outcome="written"}`)
	time.Sleep(idle)
	writesAfter, _ := metric(metricsURL, `netinventory_status_writes_total{outcome="written"}`)
	status, _ := json.Marshal(latest.Status)
	slices.Sort(latencies)
	fmt.Printf("| pods | first inventory | RSS settled | RSS peak | heap in use | change → status over the debounce, p50 / p95 (%d changes) | recompute, mean | API server's status apply, mean | status writes while idle (%s) | status, compact |\n",
		changes, idle)
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	fmt.Printf("| %d | %.1f s | %d MiB | %d MiB | %.0f MiB | %d / %d ms | %d ms | %d ms | %.0f | %d KiB |\n", pods, first.Seconds(), settled>>10,
		max(peak, peakAfter)>>10, heap/(1<<20), percentile(latencies, 50).Milliseconds(), percentile(latencies, 95).Milliseconds(),
		recompute.Milliseconds(), apply.Milliseconds(), writesAfter-writesBefore, len(status)>>10)
	return nil
}

// changeObject returns the object a change creates in namespace default
// (a NetworkPolicy, or a pod, which stays pending: no node runs it) and
// what tells that an inventory counts it, from the latest one.
func changeObject(change, name string, latest *v1alpha1.NetworkInventory) (client.Object, func(*v1alpha1.NetworkInventory) bool) {
	meta := metav1.ObjectMeta{Namespace: "default", Name: name}
	if change == "pod" {
		want := latest.Status.Summary.Pods + 1
		return &corev1.Pod{ObjectMeta: meta, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1.0.0"}}}},
			func(ni *v1alpha1.NetworkInventory) bool { return ni.Status.Summary.Pods == want }
	}
	want := latest.Status.Summary.NetworkPolicies + 1
	return &networkingv1.NetworkPolicy{ObjectMeta: meta, Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}},
		func(ni *v1alpha1.NetworkInventory) bool { return ni.Status.Summary.NetworkPolicies == want }
}

// statusApplies reads from the API server's own metrics the time it spent
// serving the inventories' status applies, and how many it served.
func statusApplies(ctx context.Context, cfg *rest.Config) (seconds, count float64) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return 0, 0
	}
	data, err := cs.RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, `resource="networkinventories"`) || !strings.Contains(line, `subresource="status"`) ||
			!strings.Contains(line, `verb="APPLY"`) {
			continue
		}
		fields := strings.Fields(line)
		v, _ := strconv.ParseFloat(fields[len(fields)-1], 64)
		switch {
		case strings.HasPrefix(line, "apiserver_request_duration_seconds_sum{"):
			seconds = v
		case strings.HasPrefix(line, "apiserver_request_duration_seconds_count{"):
			count = v
		}
	}
	return seconds, count
}

// memory reads the process's resident set, now and at its peak (KiB).
func memory(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = f.Close() }()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			hwm = v
		}
	}
	return rss, hwm, s.Err()
}

// metric reads one unlabelled sample of the metrics endpoint.
func metric(url, name string) (float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no %s", name)
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (p*len(sorted)+99)/100 - 1
	return sorted[max(i, 0)]
}
