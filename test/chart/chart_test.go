// Package chart checks the install manifests: the Helm chart in
// charts/netinventory and the kustomize install in config/default. It renders
// them with the helm and kustomize of hack/tools/go.mod and checks what a
// cluster would get: the manager's RBAC is exactly the generated
// config/rbac/role.yaml, least privilege, and never reaches Secrets
// (rbac_test.go), the pods meet the restricted Pod Security Standard, the
// metrics are served and scraped over HTTPS with a bearer token, the probes,
// the default inventory, the alerts and the network policies.
//
// Every check is a function returning the problems it finds, so that
// TestChecksCatchMistakes can show each one fails on a broken manifest.
package chart

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"netinventory.io/netinventory/internal/inventory/rules"
	"sigs.k8s.io/yaml"
)

// root is the repository root, where the tools run.
const root = "../.."

const (
	chartDir   = "charts/netinventory"
	release    = "netinventory"
	releaseNS  = "netinventory-system"
	roleFile   = "config/rbac/role.yaml"
	crdFile    = "charts/netinventory/crds/netinventory.io_networkinventories.yaml"
	nonRootUID = 65532
	probePort  = 8081
	// The metrics: HTTPS, authenticated and authorized, on a port named https.
	metricsPort     = 8443
	metricsPortName = "https"
	// The token Prometheus scrapes with through the ServiceMonitor.
	saTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"
)

// allOptional turns on every optional feature of the chart (the PodMonitor
// needs a token to scrape with).
var allOptional = []string{
	"--set", "podMonitor.enabled=true",
	"--set", "podMonitor.authorization.credentials.name=netinventory-scraper-token",
	"--set", "podMonitor.authorization.credentials.key=token",
	"--set", "serviceMonitor.enabled=true",
	"--set", "prometheusRule.enabled=true",
	"--set", "networkPolicy.enabled=true",
	"--set", "ciliumNetworkPolicy.enabled=true",
}

// allOff turns every optional feature off explicitly.
var allOff = []string{
	"--set", "podMonitor.enabled=false",
	"--set", "serviceMonitor.enabled=false",
	"--set", "prometheusRule.enabled=false",
	"--set", "networkPolicy.enabled=false",
	"--set", "ciliumNetworkPolicy.enabled=false",
}

// metricLabels are the manager's metrics and their labels; the alerts may
// use no others.
var metricLabels = map[string][]string{
	"netinventory_findings":                                {"inventory", "priority", "rule"},
	"netinventory_endpoints":                               {"inventory", "exposure", "authentication"},
	"netinventory_namespaces":                              {"inventory", "coverage"},
	"netinventory_seconds_since_last_successful_recompute": {"inventory"},
	"netinventory_recompute_duration_seconds_bucket":       {"le"},
	"netinventory_recompute_duration_seconds_sum":          {},
	"netinventory_recompute_duration_seconds_count":        {},
	"netinventory_recomputes_total":                        {"result"},
	"netinventory_status_writes_total":                     {"outcome"},
}

// labelValues are the values the enumerated metric labels take.
var labelValues = map[string][]string{
	"priority":       {"Critical", "High", "Medium", "Low"},
	"exposure":       {"Public", "Internal"},
	"authentication": {"None", "Required", "Optional", "Declared"},
	"coverage":       {"Covered", "Partial", "SelectedNotIsolated", "DefaultDeny", "HostNetworkOnly", "None", "Empty"},
}

// wantAlerts are the alerts the PrometheusRule must hold.
var wantAlerts = []string{
	"NetInventoryCriticalFindings",
	"NetInventoryPublicEndpointWithoutAuthentication",
	"NetInventoryNamespacesNotIsolated",
	"NetInventoryStale",
}

type obj = map[string]any

// ---- running the tools ----

func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs helm and kustomize")
	}
}

// goTool runs a tool of hack/tools/go.mod from the repository root.
func goTool(name string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", append([]string{"tool", "-modfile=hack/tools/go.mod", name}, args...)...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out, nil
}

func helmTemplate(t *testing.T, args ...string) []obj {
	t.Helper()
	out, err := goTool("helm", append([]string{"template", release, chartDir, "--namespace", releaseNS}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	return parseDocs(t, out)
}

func kustomizeBuild(t *testing.T, dir string) []obj {
	t.Helper()
	out, err := goTool("kustomize", "build", dir)
	if err != nil {
		t.Fatal(err)
	}
	return parseDocs(t, out)
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// parseDocs parses a multi-document YAML stream, skipping empty documents.
func parseDocs(t *testing.T, data []byte) []obj {
	t.Helper()
	var docs []obj
	for i, part := range docSeparator.Split(string(data), -1) {
		var o obj
		if err := yaml.Unmarshal([]byte(part), &o); err != nil {
			t.Fatalf("document %d: %v\n%s", i, err, part)
		}
		if len(o) > 0 {
			docs = append(docs, o)
		}
	}
	if len(docs) == 0 {
		t.Fatal("no document rendered")
	}
	return docs
}

func readYAML(t *testing.T, path string) obj {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	docs := parseDocs(t, data)
	if len(docs) != 1 {
		t.Fatalf("%s: %d documents, want 1", path, len(docs))
	}
	return docs[0]
}

// ---- navigating parsed objects ----

// get follows a path of map keys and list indexes; nil when it leads nowhere.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(obj)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string {
	s, _ := get(v, path...).(string)
	return s
}

func list(v any, path ...any) []any {
	l, _ := get(v, path...).([]any)
	return l
}

func mapping(v any, path ...any) obj {
	m, _ := get(v, path...).(obj)
	return m
}

func strs(v any, path ...any) []string {
	var out []string
	for _, e := range list(v, path...) {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func kindOf(o obj) string { return str(o, "kind") }
func nameOf(o obj) string { return str(o, "metadata", "name") }

func ofKind(docs []obj, kind string) []obj {
	var out []obj
	for _, d := range docs {
		if kindOf(d) == kind {
			out = append(out, d)
		}
	}
	return out
}

// one returns the only object of a kind, or a problem.
func one(docs []obj, kind string) (obj, []string) {
	found := ofKind(docs, kind)
	if len(found) != 1 {
		return nil, []string{fmt.Sprintf("%d %s rendered, want 1", len(found), kind)}
	}
	return found[0], nil
}

func deepCopy(t *testing.T, docs []obj) []obj {
	t.Helper()
	data, err := json.Marshal(docs)
	if err != nil {
		t.Fatal(err)
	}
	var out []obj
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// num reads a YAML number (float64 once parsed) or a numeric string.
func num(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), float64(int(n)) == n
	case string:
		var i int
		_, err := fmt.Sscanf(n, "%d", &i)
		return i, err == nil && fmt.Sprint(i) == n
	}
	return 0, false
}

// ---- checks ----

// checkDeployment: the manager's Deployment runs under the restricted Pod
// Security Standard, probes /healthz and /readyz on 8081, serves metrics
// over HTTPS (authenticated and authorized) on 8443 and elects a leader in
// its own namespace.
func checkDeployment(docs []obj, replicas int) []string {
	dep, problems := one(docs, "Deployment")
	if dep == nil {
		return problems
	}
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if n, ok := num(get(dep, "spec", "replicas")); !ok || n != replicas {
		add("replicas %v, want %d", get(dep, "spec", "replicas"), replicas)
	}
	pod := mapping(dep, "spec", "template", "spec")
	psc := mapping(pod, "securityContext")
	if get(psc, "runAsNonRoot") != true {
		add("pod securityContext.runAsNonRoot is %v, want true", get(psc, "runAsNonRoot"))
	}
	if n, ok := num(get(psc, "runAsUser")); !ok || n != nonRootUID {
		add("pod securityContext.runAsUser is %v, want %d", get(psc, "runAsUser"), nonRootUID)
	}
	if str(psc, "seccompProfile", "type") != "RuntimeDefault" {
		add("pod securityContext.seccompProfile.type is %q, want RuntimeDefault", str(psc, "seccompProfile", "type"))
	}
	for _, field := range []string{"hostNetwork", "hostPID", "hostIPC"} {
		if get(pod, field) == true {
			add("pod sets %s", field)
		}
	}
	for _, v := range list(pod, "volumes") {
		if get(v, "hostPath") != nil {
			add("pod mounts hostPath volume %s", str(v, "name"))
		}
	}
	containers := append(list(pod, "initContainers"), list(pod, "containers")...)
	if len(list(pod, "containers")) != 1 {
		add("%d containers, want 1 (the manager)", len(list(pod, "containers")))
	}
	for _, c := range containers {
		name := str(c, "name")
		sc := mapping(c, "securityContext")
		if get(sc, "allowPrivilegeEscalation") != false {
			add("container %s: allowPrivilegeEscalation is %v, want false", name, get(sc, "allowPrivilegeEscalation"))
		}
		if get(sc, "readOnlyRootFilesystem") != true {
			add("container %s: readOnlyRootFilesystem is %v, want true", name, get(sc, "readOnlyRootFilesystem"))
		}
		if get(sc, "privileged") == true {
			add("container %s is privileged", name)
		}
		if drop := strs(sc, "capabilities", "drop"); !slices.Equal(drop, []string{"ALL"}) {
			add("container %s: capabilities.drop is %v, want [ALL]", name, drop)
		}
		if added := list(sc, "capabilities", "add"); len(added) > 0 {
			add("container %s adds capabilities %v", name, added)
		}
		if v, ok := sc["runAsNonRoot"]; ok && v != true {
			add("container %s: runAsNonRoot is %v", name, v)
		}
		if v, ok := sc["runAsUser"]; ok {
			if n, _ := num(v); n != nonRootUID {
				add("container %s: runAsUser is %v, want %d", name, v, nonRootUID)
			}
		}
		if p, ok := sc["seccompProfile"]; ok && str(p, "type") != "RuntimeDefault" {
			add("container %s: seccompProfile.type is %q, want RuntimeDefault", name, str(p, "type"))
		}
		if lim := mapping(c, "resources", "limits"); lim["memory"] == nil {
			add("container %s has no memory limit", name)
		}
		if req := mapping(c, "resources", "requests"); req["cpu"] == nil || req["memory"] == nil {
			add("container %s lacks cpu or memory requests", name)
		}
	}
	manager := mapping(pod, "containers", 0)
	if manager == nil {
		return problems
	}
	ports := map[string]int{}
	for _, p := range list(manager, "ports") {
		n, _ := num(get(p, "containerPort"))
		ports[str(p, "name")] = n
	}
	if ports[metricsPortName] != metricsPort {
		add("container port named %s is %d, want %d", metricsPortName, ports[metricsPortName], metricsPort)
	}
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
		hg := mapping(manager, probe, "httpGet")
		if str(hg, "path") != path {
			add("%s path is %q, want %q", probe, str(hg, "path"), path)
		}
		port, ok := num(get(hg, "port"))
		if !ok { // a named port
			port = ports[str(hg, "port")]
		}
		if port != probePort {
			add("%s port is %v, want %d", probe, get(hg, "port"), probePort)
		}
	}
	args := strs(manager, "args")
	for _, want := range []string{
		"--leader-elect=true",
		"--leader-election-namespace=$(POD_NAMESPACE)",
		fmt.Sprintf("--metrics-bind-address=:%d", metricsPort),
		"--metrics-secure=true",
		fmt.Sprintf("--health-probe-bind-address=:%d", probePort),
	} {
		if !slices.Contains(args, want) {
			add("args %v lack %s", args, want)
		}
	}
	for _, a := range args {
		flag, _, _ := strings.Cut(a, "=")
		if (flag == "--metrics-secure" && a != "--metrics-secure=true") ||
			(flag == "--metrics-bind-address" && a != fmt.Sprintf("--metrics-bind-address=:%d", metricsPort)) {
			add("args %v override the secure metrics endpoint with %s", args, a)
		}
	}
	downward := false
	for _, e := range list(manager, "env") {
		if str(e, "name") == "POD_NAMESPACE" && str(e, "valueFrom", "fieldRef", "fieldPath") == "metadata.namespace" {
			downward = true
		}
	}
	if !downward {
		add("env lacks POD_NAMESPACE from the downward API (metadata.namespace)")
	}
	return problems
}

// podSelector is the Deployment's selector.
func podSelector(docs []obj) obj {
	for _, d := range ofKind(docs, "Deployment") {
		return mapping(d, "spec", "selector", "matchLabels")
	}
	return nil
}

// selects reports whether matchLabels select the Deployment's pods.
func selects(docs []obj, matchLabels obj) bool {
	if len(matchLabels) == 0 {
		return false
	}
	var labels obj
	for _, d := range ofKind(docs, "Deployment") {
		labels = mapping(d, "spec", "template", "metadata", "labels")
	}
	for k, v := range matchLabels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// checkInventory: the default NetworkInventory is rendered, cluster-scoped,
// with the given name.
func checkInventory(docs []obj, name string) []string {
	inv, problems := one(docs, "NetworkInventory")
	if inv == nil {
		return problems
	}
	if str(inv, "apiVersion") != "netinventory.io/v1alpha1" {
		problems = append(problems, fmt.Sprintf("NetworkInventory apiVersion %q", str(inv, "apiVersion")))
	}
	if nameOf(inv) != name {
		problems = append(problems, fmt.Sprintf("NetworkInventory named %q, want %q", nameOf(inv), name))
	}
	if ns := str(inv, "metadata", "namespace"); ns != "" {
		problems = append(problems, fmt.Sprintf("NetworkInventory is cluster-scoped but has namespace %q", ns))
	}
	if _, ok := get(inv, "spec").(obj); !ok {
		problems = append(problems, "NetworkInventory has no spec object")
	}
	return problems
}

var (
	metricName = regexp.MustCompile(`\bnetinventory_[a-z_]+\b`)
	byClause   = regexp.MustCompile(`\bby\s*\(([^)]*)\)`)
	matcher    = regexp.MustCompile(`(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
	labelRef   = regexp.MustCompile(`\$labels\.(\w+)`)
	threshold  = regexp.MustCompile(`>\s*([0-9]+)\s*$`)
)

// checkAlerts: the PrometheusRule holds the four alerts, each on the
// manager's metrics and their labels and values, with a severity, and with a
// summary and description naming only labels the expression keeps.
func checkAlerts(docs []obj, ruleNames []string, staleThreshold int) []string {
	pr, problems := one(docs, "PrometheusRule")
	if pr == nil {
		return problems
	}
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if str(pr, "apiVersion") != "monitoring.coreos.com/v1" {
		add("PrometheusRule apiVersion %q", str(pr, "apiVersion"))
	}
	var names []string
	for _, g := range list(pr, "spec", "groups") {
		for _, r := range list(g, "rules") {
			alert := str(r, "alert")
			if alert == "" {
				continue
			}
			names = append(names, alert)
			expr := str(r, "expr")
			metrics := metricName.FindAllString(expr, -1)
			if len(metrics) == 0 {
				add("%s: expression %q names no netinventory metric", alert, expr)
			}
			kept := map[string]bool{}
			for _, m := range metrics {
				labels, ok := metricLabels[m]
				if !ok {
					add("%s: expression names %s, which the manager does not expose", alert, m)
					continue
				}
				for _, l := range labels {
					kept[l] = true
				}
			}
			for _, mt := range matcher.FindAllStringSubmatch(expr, -1) {
				label, op, value := mt[1], mt[2], mt[3]
				if !kept[label] {
					add("%s: matcher on label %s, which %v do not have", alert, label, metrics)
				}
				if label == "rule" && (op == "=" || op == "!=") && !slices.Contains(ruleNames, value) {
					add("%s: no finding rule is named %q (rules.All)", alert, value)
				}
				if values, ok := labelValues[label]; ok && (op == "=" || op == "!=") && !slices.Contains(values, value) {
					add("%s: %s=%q is not one of %v", alert, label, value, values)
				}
			}
			if by := byClause.FindStringSubmatch(expr); by != nil {
				grouped := map[string]bool{}
				for _, l := range strings.Split(by[1], ",") {
					l = strings.TrimSpace(l)
					if !kept[l] {
						add("%s: groups by %s, which %v do not have", alert, l, metrics)
					}
					grouped[l] = true
				}
				kept = grouped
			} else {
				add("%s: expression %q aggregates with no by (...): replicas would duplicate the alert", alert, expr)
			}
			if !kept["inventory"] {
				add("%s: the alert does not keep the inventory label", alert)
			}
			if str(r, "labels", "severity") == "" {
				add("%s has no severity label", alert)
			}
			for _, a := range []string{"summary", "description"} {
				text := str(r, "annotations", a)
				refs := labelRef.FindAllStringSubmatch(text, -1)
				if len(refs) == 0 {
					add("%s: %s %q uses no metric label", alert, a, text)
				}
				for _, ref := range refs {
					if !kept[ref[1]] {
						add("%s: %s uses $labels.%s, which the expression drops", alert, a, ref[1])
					}
				}
			}
			if alert == "NetInventoryStale" {
				if !slices.Contains(metrics, "netinventory_seconds_since_last_successful_recompute") {
					add("%s: does not read netinventory_seconds_since_last_successful_recompute", alert)
				}
				if m := threshold.FindStringSubmatch(expr); m == nil || m[1] != fmt.Sprint(staleThreshold) {
					add("%s: expression %q does not compare with the threshold %d", alert, expr, staleThreshold)
				}
			}
		}
	}
	sort.Strings(names)
	want := slices.Clone(wantAlerts)
	sort.Strings(want)
	if !slices.Equal(names, want) {
		add("alerts %v, want %v", names, want)
	}
	return problems
}

// portSet returns the ports of a list of NetworkPolicy or Cilium port
// entries as "PORT/PROTOCOL".
func portSet(ports []any) []string {
	var out []string
	for _, p := range ports {
		n, _ := num(get(p, "port"))
		proto := str(p, "protocol")
		if proto == "" {
			proto = "TCP"
		}
		out = append(out, fmt.Sprintf("%d/%s", n, proto))
	}
	sort.Strings(out)
	return out
}

var (
	probeAndMetricsPorts = []string{"8081/TCP", "8443/TCP"}
	dnsPorts             = []string{"53/TCP", "53/UDP"}
	apiServerPorts       = []string{"443/TCP", "6443/TCP"}
)

// checkNetworkPolicy: ingress only to 8080 and 8081; egress only to the
// cluster DNS and the API server ports.
func checkNetworkPolicy(docs []obj) []string {
	np, problems := one(docs, "NetworkPolicy")
	if np == nil {
		return problems
	}
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !selects(docs, mapping(np, "spec", "podSelector", "matchLabels")) {
		add("NetworkPolicy podSelector %v does not select the manager", get(np, "spec", "podSelector"))
	}
	if types := strs(np, "spec", "policyTypes"); !slices.Contains(types, "Ingress") || !slices.Contains(types, "Egress") {
		add("NetworkPolicy policyTypes %v, want Ingress and Egress", types)
	}
	ingress := list(np, "spec", "ingress")
	if len(ingress) == 0 {
		add("NetworkPolicy has no ingress rule")
	}
	for i, r := range ingress {
		if got := portSet(list(r, "ports")); !slices.Equal(got, probeAndMetricsPorts) {
			add("NetworkPolicy ingress rule %d allows ports %v, want %v", i, got, probeAndMetricsPorts)
		}
	}
	dns, api := false, false
	for i, r := range list(np, "spec", "egress") {
		ports := portSet(list(r, "ports"))
		switch {
		case slices.Equal(ports, dnsPorts):
			to := list(r, "to")
			if len(to) != 1 || str(to[0], "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") != "kube-system" ||
				str(to[0], "podSelector", "matchLabels", "k8s-app") != "kube-dns" {
				add("NetworkPolicy egress rule %d: DNS goes to %v, want the kube-dns pods of kube-system", i, to)
			}
			dns = true
		case slices.Equal(ports, apiServerPorts):
			api = true
		default:
			add("NetworkPolicy egress rule %d allows ports %v, want only DNS %v or the API server %v", i, ports, dnsPorts, apiServerPorts)
		}
	}
	if !dns || !api {
		add("NetworkPolicy egress: DNS allowed %v, API server allowed %v; want both", dns, api)
	}
	return problems
}

// checkCiliumNetworkPolicy: the same confinement with Cilium's selectors.
func checkCiliumNetworkPolicy(docs []obj) []string {
	cnp, problems := one(docs, "CiliumNetworkPolicy")
	if cnp == nil {
		return problems
	}
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if str(cnp, "apiVersion") != "cilium.io/v2" {
		add("CiliumNetworkPolicy apiVersion %q", str(cnp, "apiVersion"))
	}
	if !selects(docs, mapping(cnp, "spec", "endpointSelector", "matchLabels")) {
		add("CiliumNetworkPolicy endpointSelector %v does not select the manager", get(cnp, "spec", "endpointSelector"))
	}
	ingress := list(cnp, "spec", "ingress")
	if len(ingress) == 0 {
		add("CiliumNetworkPolicy has no ingress rule, so ingress is not enforced")
	}
	for i, r := range ingress {
		var ports []any
		for _, tp := range list(r, "toPorts") {
			ports = append(ports, list(tp, "ports")...)
		}
		if got := portSet(ports); !slices.Equal(got, probeAndMetricsPorts) {
			add("CiliumNetworkPolicy ingress rule %d allows ports %v, want %v", i, got, probeAndMetricsPorts)
		}
	}
	dns, api := false, false
	for i, r := range list(cnp, "spec", "egress") {
		var ports []any
		for _, tp := range list(r, "toPorts") {
			ports = append(ports, list(tp, "ports")...)
		}
		got := portSet(ports)
		switch {
		case slices.Equal(got, dnsPorts):
			eps := list(r, "toEndpoints")
			if len(eps) != 1 || str(eps[0], "matchLabels", "k8s:io.kubernetes.pod.namespace") != "kube-system" ||
				str(eps[0], "matchLabels", "k8s-app") != "kube-dns" || get(r, "toEntities") != nil {
				add("CiliumNetworkPolicy egress rule %d: DNS goes to %v %v, want only the kube-dns endpoints of kube-system", i, eps, get(r, "toEntities"))
			}
			dns = true
		case slices.Equal(got, apiServerPorts):
			if ents := strs(r, "toEntities"); !slices.Equal(ents, []string{"kube-apiserver"}) {
				add("CiliumNetworkPolicy egress rule %d: API server ports go to entities %v, want [kube-apiserver]", i, ents)
			}
			api = true
		default:
			add("CiliumNetworkPolicy egress rule %d allows ports %v, want only DNS %v or the API server %v", i, got, dnsPorts, apiServerPorts)
		}
	}
	if !dns || !api {
		add("CiliumNetworkPolicy egress: DNS allowed %v, API server allowed %v; want both", dns, api)
	}
	return problems
}

// checkService: the metrics Service selects the manager and targets its
// https port.
func checkService(docs []obj) []string {
	svc, problems := one(docs, "Service")
	if svc == nil {
		return problems
	}
	if !selects(docs, mapping(svc, "spec", "selector")) {
		problems = append(problems, fmt.Sprintf("Service selector %v does not select the manager", get(svc, "spec", "selector")))
	}
	if ports := list(svc, "spec", "ports"); len(ports) != 1 || str(ports[0], "name") != metricsPortName ||
		str(ports[0], "targetPort") != metricsPortName {
		problems = append(problems, fmt.Sprintf("Service ports %v, want one named %s targeting the container port %s", ports, metricsPortName, metricsPortName))
	}
	return problems
}

// checkScrapeEndpoint: a monitor's endpoint scrapes /metrics on the https
// port over HTTPS, with a TLS configuration, and authenticates with a bearer
// token: the file of Prometheus' ServiceAccount token (tokenFile true, the
// ServiceMonitor) or a Secret (authorization.credentials).
func checkScrapeEndpoint(kind string, ep obj, tokenFile bool) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if str(ep, "port") != metricsPortName || str(ep, "path") != "/metrics" {
		add("%s endpoint port %q path %q, want port %s, path /metrics", kind, str(ep, "port"), str(ep, "path"), metricsPortName)
	}
	if str(ep, "scheme") != "https" {
		add("%s endpoint scheme %q, want https", kind, str(ep, "scheme"))
	}
	if len(mapping(ep, "tlsConfig")) == 0 {
		add("%s endpoint has no tlsConfig", kind)
	}
	byFile := str(ep, "bearerTokenFile") == saTokenFile
	bySecret := str(ep, "authorization", "credentials", "name") != "" && str(ep, "authorization", "credentials", "key") != ""
	switch {
	case byFile && !tokenFile:
		add("%s endpoint has a bearerTokenFile, which the %s API does not have", kind, kind)
	case byFile && bySecret:
		add("%s endpoint has both a bearerTokenFile and an authorization", kind)
	case !byFile && !bySecret:
		add("%s endpoint sends no bearer token (bearerTokenFile %q, authorization %v): the manager refuses the scrape",
			kind, str(ep, "bearerTokenFile"), get(ep, "authorization"))
	}
	return problems
}

// checkPodMonitor: the PodMonitor scrapes the manager's pods over HTTPS
// with a token.
func checkPodMonitor(docs []obj) []string {
	pm, problems := one(docs, "PodMonitor")
	if pm == nil {
		return problems
	}
	if !selects(docs, mapping(pm, "spec", "selector", "matchLabels")) {
		problems = append(problems, "PodMonitor selector does not select the manager")
	}
	eps := list(pm, "spec", "podMetricsEndpoints")
	if len(eps) != 1 {
		return append(problems, fmt.Sprintf("PodMonitor endpoints %v, want 1", eps))
	}
	ep, _ := eps[0].(obj)
	return append(problems, checkScrapeEndpoint("PodMonitor", ep, false)...)
}

// checkServiceMonitor: the ServiceMonitor selects the metrics Service and
// scrapes it over HTTPS with a token.
func checkServiceMonitor(docs []obj) []string {
	sm, problems := one(docs, "ServiceMonitor")
	if sm == nil {
		return problems
	}
	svc, p := one(docs, "Service")
	if svc == nil {
		return append(problems, p...)
	}
	for k, v := range mapping(sm, "spec", "selector", "matchLabels") {
		if mapping(svc, "metadata", "labels")[k] != v {
			problems = append(problems, fmt.Sprintf("ServiceMonitor selects %s=%v, which the Service lacks", k, v))
		}
	}
	eps := list(sm, "spec", "endpoints")
	if len(eps) != 1 {
		return append(problems, fmt.Sprintf("ServiceMonitor endpoints %v, want 1", eps))
	}
	ep, _ := eps[0].(obj)
	return append(problems, checkScrapeEndpoint("ServiceMonitor", ep, true)...)
}

// checkMonitoring: the metrics Service, PodMonitor and ServiceMonitor reach
// the manager's metrics port over HTTPS with a token.
func checkMonitoring(docs []obj) []string {
	problems := checkService(docs)
	problems = append(problems, checkPodMonitor(docs)...)
	return append(problems, checkServiceMonitor(docs)...)
}

// checkPDB: a PodDisruptionBudget selecting the manager is rendered exactly
// when want is true.
func checkPDB(docs []obj, want bool) []string {
	pdbs := ofKind(docs, "PodDisruptionBudget")
	if !want {
		if len(pdbs) != 0 {
			return []string{"a PodDisruptionBudget is rendered for a single replica"}
		}
		return nil
	}
	if len(pdbs) != 1 {
		return []string{fmt.Sprintf("%d PodDisruptionBudgets rendered, want 1", len(pdbs))}
	}
	if !reflect.DeepEqual(mapping(pdbs[0], "spec", "selector", "matchLabels"), podSelector(docs)) {
		return []string{"the PodDisruptionBudget's selector is not the Deployment's"}
	}
	return nil
}

var standardLabels = []string{
	"app.kubernetes.io/name",
	"app.kubernetes.io/instance",
	"app.kubernetes.io/version",
	"app.kubernetes.io/managed-by",
	"helm.sh/chart",
}

// checkLabels: every object the chart renders carries the standard labels.
func checkLabels(docs []obj) []string {
	var problems []string
	for _, d := range docs {
		labels := mapping(d, "metadata", "labels")
		for _, l := range standardLabels {
			if s, _ := labels[l].(string); s == "" {
				problems = append(problems, fmt.Sprintf("%s %s lacks label %s", kindOf(d), nameOf(d), l))
			}
		}
	}
	return problems
}

// checkNone: none of the given kinds is rendered.
func checkNone(docs []obj, kinds ...string) []string {
	var problems []string
	for _, k := range kinds {
		if n := len(ofKind(docs, k)); n > 0 {
			problems = append(problems, fmt.Sprintf("%d %s rendered, want none", n, k))
		}
	}
	return problems
}

// checkNamespaced: every namespaced object is in namespace ns, except those
// of elsewhere ("Kind/name" to namespace).
func checkNamespaced(docs []obj, ns string, elsewhere map[string]string) []string {
	clusterScoped := []string{"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "NetworkInventory"}
	var problems []string
	for _, d := range docs {
		if slices.Contains(clusterScoped, kindOf(d)) {
			continue
		}
		want, ok := elsewhere[kindOf(d)+"/"+nameOf(d)]
		if !ok {
			want = ns
		}
		if got := str(d, "metadata", "namespace"); got != want {
			problems = append(problems, fmt.Sprintf("%s %s is in namespace %q, want %q", kindOf(d), nameOf(d), got, want))
		}
	}
	return problems
}

func report(t *testing.T, what string, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Errorf("%s: %s", what, p)
	}
}

// ruleNames are the names of the engine's finding rules.
func ruleNames(*testing.T) []string {
	names := make([]string, len(rules.All))
	for i, r := range rules.All {
		names[i] = r.Name
	}
	return names
}

// chartValues are the chart's default values.
func chartValues(t *testing.T) obj {
	t.Helper()
	return readYAML(t, filepath.Join(chartDir, "values.yaml"))
}

func defaultStaleThreshold(t *testing.T) int {
	t.Helper()
	n, ok := num(get(chartValues(t), "prometheusRule", "alerts", "inventoryStale", "thresholdSeconds"))
	if !ok || n != 1800 {
		t.Fatalf("values.yaml prometheusRule.alerts.inventoryStale.thresholdSeconds is %v, want 1800", n)
	}
	return n
}

// ---- tests ----

func TestHelmLint(t *testing.T) {
	skipShort(t)
	for name, args := range map[string][]string{
		"defaults":     nil,
		"optional off": allOff,
		"optional on":  append(slices.Clone(allOptional), "--set", "replicaCount=2"),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := goTool("helm", append([]string{"lint", "--strict", chartDir}, args...)...); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestHelmValuesSchema: values.schema.json rejects what the chart cannot use.
func TestHelmValuesSchema(t *testing.T) {
	skipShort(t)
	for name, set := range map[string]string{
		"unknown top-level key":   "replicas=2",
		"unknown inventory field": "inventory.spec.exposures.default=Public",
		"bad exposure":            "inventory.spec.exposure.default=Everywhere",
		"bad log level":           "manager.logLevel=loud",
		"no replicas":             "replicaCount=0",
		"bad pull policy":         "image.pullPolicy=Sometimes",
		"bad cilium mode":         "ciliumNetworkPolicy.enabled=maybe",
		"unknown tlsConfig field": "serviceMonitor.tlsConfig.insecure=true",
		"file in PodMonitor TLS":  "podMonitor.tlsConfig.caFile=/etc/ca.crt",
		"token without Secret":    "podMonitor.authorization.type=Bearer",
		"reader without kind":     "metrics.reader.subjects[0].name=prometheus",
		"unknown metrics field":   "metrics.secure=false",
	} {
		t.Run(name, func(t *testing.T) {
			out, err := goTool("helm", "lint", chartDir, "--set", set)
			if err == nil {
				t.Fatalf("helm lint --set %s passed, want a schema error\n%s", set, out)
			}
			if !strings.Contains(err.Error(), "schema") {
				t.Errorf("helm lint --set %s failed, but not on the schema: %v", set, err)
			}
		})
	}
}

// TestValuesSchemaKnowsTheSpec: the schema of inventory.spec names exactly
// the fields of the CRD's spec, so a field added to the API is not rejected
// by the chart (and a misspelt one is).
func TestValuesSchemaKnowsTheSpec(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, chartDir, "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema obj
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("values.schema.json: %v", err)
	}
	spec := mapping(schema, "properties", "inventory", "properties", "spec", "properties")
	crd := readYAML(t, crdFile)
	want := mapping(crd, "spec", "versions", 0, "schema", "openAPIV3Schema", "properties", "spec", "properties")
	if len(want) == 0 {
		t.Fatalf("%s has no spec properties", crdFile)
	}
	var got, wantKeys []string
	for k := range spec {
		got = append(got, k)
	}
	for k := range want {
		wantKeys = append(wantKeys, k)
	}
	sort.Strings(got)
	sort.Strings(wantKeys)
	if !slices.Equal(got, wantKeys) {
		t.Errorf("values.schema.json inventory.spec has fields %v, the CRD's spec %v", got, wantKeys)
	}
}

func TestHelmTemplateAllOptional(t *testing.T) {
	skipShort(t)
	docs := helmTemplate(t, append(slices.Clone(allOptional), "--set", "replicaCount=2")...)
	report(t, "RBAC", checkRBAC(docs, helmRoles, generatedRBAC(t)))
	report(t, "Deployment", checkDeployment(docs, 2))
	report(t, "NetworkInventory", checkInventory(docs, "cluster"))
	report(t, "PrometheusRule", checkAlerts(docs, ruleNames(t), defaultStaleThreshold(t)))
	report(t, "NetworkPolicy", checkNetworkPolicy(docs))
	report(t, "CiliumNetworkPolicy", checkCiliumNetworkPolicy(docs))
	report(t, "monitoring", checkMonitoring(docs))
	report(t, "PodDisruptionBudget", checkPDB(docs, true))
	report(t, "labels", checkLabels(docs))
	report(t, "namespace", checkNamespaced(docs, releaseNS, rbacElsewhere(helmRoles)))

	// The container's resources are the values' resources.
	want := get(chartValues(t), "resources")
	if got := get(podSpecContainer(docs), "resources"); !reflect.DeepEqual(got, want) {
		t.Errorf("container resources %v, want the values' %v", got, want)
	}
}

func podSpecContainer(docs []obj) obj {
	for _, d := range ofKind(docs, "Deployment") {
		return mapping(d, "spec", "template", "spec", "containers", 0)
	}
	return nil
}

// TestHelmTemplateDefaults: the defaults are least privilege: the RBAC of
// rbac_test.go, the secure metrics endpoint and the NetworkPolicy; no
// monitor, no alerts, and no CiliumNetworkPolicy where the cluster serves
// none.
func TestHelmTemplateDefaults(t *testing.T) {
	skipShort(t)
	docs := helmTemplate(t)
	report(t, "RBAC", checkRBAC(docs, helmRoles, generatedRBAC(t)))
	report(t, "Deployment", checkDeployment(docs, 1))
	report(t, "Service", checkService(docs))
	report(t, "NetworkInventory", checkInventory(docs, "cluster"))
	report(t, "NetworkPolicy", checkNetworkPolicy(docs))
	report(t, "PodDisruptionBudget", checkPDB(docs, false))
	report(t, "labels", checkLabels(docs))
	report(t, "namespace", checkNamespaced(docs, releaseNS, rbacElsewhere(helmRoles)))
	report(t, "optional", checkNone(docs, "PodMonitor", "ServiceMonitor", "PrometheusRule", "CiliumNetworkPolicy"))
	if mounts := list(podSpecContainer(docs), "volumeMounts"); len(mounts) != 0 {
		t.Errorf("the manager mounts %v by default, want nothing", mounts)
	}
	memoryLimit := false
	for _, e := range list(podSpecContainer(docs), "env") {
		env := mapping(e)
		ref, _ := mapping(e, "valueFrom", "resourceFieldRef")["resource"].(string)
		memoryLimit = memoryLimit || env["name"] == "NETINV_MEMORY_LIMIT" && ref == "limits.memory"
	}
	if !memoryLimit {
		t.Errorf("the manager is not told its memory limit (NETINV_MEMORY_LIMIT from limits.memory)")
	}
}

// TestHelmCiliumNetworkPolicy: ciliumNetworkPolicy.enabled auto renders the
// CiliumNetworkPolicy exactly when the cluster serves cilium.io/v2
// CiliumNetworkPolicy; true and false force it.
func TestHelmCiliumNetworkPolicy(t *testing.T) {
	skipShort(t)
	const cilium = "cilium.io/v2/CiliumNetworkPolicy"
	for _, c := range []struct {
		name string
		args []string
		want bool
	}{
		{"auto on Cilium", []string{"--api-versions", cilium}, true},
		{"auto elsewhere", nil, false},
		{"auto with another Cilium kind", []string{"--api-versions", "cilium.io/v2/CiliumClusterwideNetworkPolicy"}, false},
		{"forced on", []string{"--set", "ciliumNetworkPolicy.enabled=true"}, true},
		{"forced off on Cilium", []string{"--set", "ciliumNetworkPolicy.enabled=false", "--api-versions", cilium}, false},
		{"explicit auto on Cilium", []string{"--set", "ciliumNetworkPolicy.enabled=auto", "--api-versions", cilium}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			docs := helmTemplate(t, c.args...)
			if c.want {
				report(t, "CiliumNetworkPolicy", checkCiliumNetworkPolicy(docs))
			} else {
				report(t, "CiliumNetworkPolicy", checkNone(docs, "CiliumNetworkPolicy"))
			}
			// The NetworkPolicy stays on either way.
			report(t, "NetworkPolicy", checkNetworkPolicy(docs))
		})
	}
	docs := helmTemplate(t, "--set", "networkPolicy.enabled=false")
	report(t, "networkPolicy.enabled=false", checkNone(docs, "NetworkPolicy", "CiliumNetworkPolicy"))
}

// TestHelmMetricsValues: the metrics values reach the Deployment and the
// monitors.
func TestHelmMetricsValues(t *testing.T) {
	skipShort(t)
	// A mounted certificate, verified by the ServiceMonitor, whose
	// tlsConfig replaces the default insecureSkipVerify rather than merging
	// with it.
	docs := helmTemplate(t,
		"--set", "metrics.certSecret=netinventory-metrics-tls",
		"--set", "serviceMonitor.enabled=true",
		"--set", "serviceMonitor.tlsConfig.ca.secret.name=netinventory-metrics-tls",
		"--set", "serviceMonitor.tlsConfig.ca.secret.key=ca.crt",
		"--set", "serviceMonitor.tlsConfig.serverName=netinventory-metrics.netinventory-system.svc",
	)
	report(t, "Deployment", checkDeployment(docs, 1))
	report(t, "ServiceMonitor", checkServiceMonitor(docs))
	c := podSpecContainer(docs)
	var mountPath string
	for _, m := range list(c, "volumeMounts") {
		if str(m, "name") == "metrics-certs" && get(m, "readOnly") == true {
			mountPath = str(m, "mountPath")
		}
	}
	if mountPath == "" || !slices.Contains(strs(c, "args"), "--metrics-cert-dir="+mountPath) {
		t.Errorf("metrics.certSecret: mounts %v, args %v; want the Secret mounted read-only and passed as --metrics-cert-dir",
			list(c, "volumeMounts"), strs(c, "args"))
	}
	var secret string
	for _, d := range ofKind(docs, "Deployment") {
		for _, v := range list(d, "spec", "template", "spec", "volumes") {
			if str(v, "name") == "metrics-certs" {
				secret = str(v, "secret", "secretName")
			}
		}
	}
	if secret != "netinventory-metrics-tls" {
		t.Errorf("metrics-certs volume from Secret %q, want netinventory-metrics-tls", secret)
	}
	for _, sm := range ofKind(docs, "ServiceMonitor") {
		want := obj{"ca": obj{"secret": obj{"name": "netinventory-metrics-tls", "key": "ca.crt"}},
			"serverName": "netinventory-metrics.netinventory-system.svc"}
		if got := mapping(sm, "spec", "endpoints", 0, "tlsConfig"); !reflect.DeepEqual(got, want) {
			t.Errorf("ServiceMonitor tlsConfig %v, want the values' %v and no insecureSkipVerify", got, want)
		}
	}

	// By default the monitors skip the verification of the self-signed
	// certificate; the ServiceMonitor sends Prometheus' token unless
	// authorization replaces it.
	docs = helmTemplate(t, "--set", "serviceMonitor.enabled=true")
	report(t, "ServiceMonitor", checkServiceMonitor(docs))
	for _, sm := range ofKind(docs, "ServiceMonitor") {
		ep := mapping(sm, "spec", "endpoints", 0)
		if !reflect.DeepEqual(mapping(ep, "tlsConfig"), obj{"insecureSkipVerify": true}) || str(ep, "bearerTokenFile") != saTokenFile {
			t.Errorf("default ServiceMonitor endpoint %v, want tlsConfig {insecureSkipVerify: true} and bearerTokenFile %s", ep, saTokenFile)
		}
	}
	docs = helmTemplate(t, "--set", "serviceMonitor.enabled=true",
		"--set", "serviceMonitor.authorization.credentials.name=scraper", "--set", "serviceMonitor.authorization.credentials.key=token")
	report(t, "ServiceMonitor with authorization", checkServiceMonitor(docs))

	// The PodMonitor cannot send Prometheus' token: without a Secret or a
	// scrape class providing one, the chart refuses it.
	out, err := goTool("helm", "template", release, chartDir, "--namespace", releaseNS, "--set", "podMonitor.enabled=true")
	if err == nil || !strings.Contains(err.Error(), "podMonitor.authorization") {
		t.Errorf("podMonitor without authorization: err %v, want a failure naming podMonitor.authorization\n%s", err, out)
	}
	docs = helmTemplate(t, "--set", "podMonitor.enabled=true", "--set", "podMonitor.scrapeClass=prometheus-token")
	for _, pm := range ofKind(docs, "PodMonitor") {
		if str(pm, "spec", "scrapeClass") != "prometheus-token" || str(pm, "spec", "podMetricsEndpoints", 0, "scheme") != "https" {
			t.Errorf("PodMonitor spec %v, want scrapeClass prometheus-token and scheme https", get(pm, "spec"))
		}
	}
	if n := len(ofKind(docs, "PodMonitor")); n != 1 {
		t.Errorf("%d PodMonitors with a scrape class, want 1", n)
	}
}

// TestHelmTemplateValues: the values reach the manifests.
func TestHelmTemplateValues(t *testing.T) {
	skipShort(t)
	docs := helmTemplate(t,
		"--set", "prometheusRule.enabled=true",
		"--set", "prometheusRule.alerts.inventoryStale.thresholdSeconds=900",
		"--set", "inventory.name=prod",
		"--set", "inventory.spec.resyncPeriod=5m",
		"--set", "resources.limits.memory=1Gi",
		"--set", "image.tag=1.2.3",
		"--set", "podDisruptionBudget.enabled=true",
	)
	report(t, "NetworkInventory", checkInventory(docs, "prod"))
	for _, inv := range ofKind(docs, "NetworkInventory") {
		if got := str(inv, "spec", "resyncPeriod"); got != "5m" {
			t.Errorf("NetworkInventory spec.resyncPeriod %q, want the value's 5m", got)
		}
	}
	report(t, "PrometheusRule", checkAlerts(docs, ruleNames(t), 900))
	report(t, "PodDisruptionBudget", checkPDB(docs, false))
	c := podSpecContainer(docs)
	if got := str(c, "resources", "limits", "memory"); got != "1Gi" {
		t.Errorf("memory limit %q, want 1Gi", got)
	}
	if got := str(c, "image"); got != "netinventory/manager:1.2.3" {
		t.Errorf("image %q, want netinventory/manager:1.2.3", got)
	}

	docs = helmTemplate(t, "--set", "inventory.create=false", "--set", "rbac.create=false")
	report(t, "inventory.create=false", checkNone(docs, "NetworkInventory"))
	report(t, "rbac.create=false", checkNone(docs, "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"))
	if got := str(podSpecContainer(docs), "image"); got != "netinventory/manager:0.1.0" {
		t.Errorf("default image %q, want netinventory/manager:<appVersion 0.1.0>", got)
	}
}

func TestKustomizeDefault(t *testing.T) {
	skipShort(t)
	docs := kustomizeBuild(t, "config/default")
	report(t, "RBAC", checkRBAC(docs, kustomizeRoles, generatedRBAC(t)))
	report(t, "Deployment", checkDeployment(docs, 1))
	report(t, "Service", checkService(docs))
	report(t, "NetworkPolicy", checkNetworkPolicy(docs))
	report(t, "namespace", checkNamespaced(docs, "netinventory-system", rbacElsewhere(kustomizeRoles)))
	if _, p := one(docs, "CustomResourceDefinition"); p != nil {
		report(t, "CRD", p)
	}
	ns, p := one(docs, "Namespace")
	report(t, "Namespace", p)
	if ns != nil && (nameOf(ns) != "netinventory-system" || str(ns, "metadata", "labels", "pod-security.kubernetes.io/enforce") != "restricted") {
		t.Errorf("Namespace %s does not enforce the restricted Pod Security Standard: %v", nameOf(ns), mapping(ns, "metadata", "labels"))
	}

	// The ServiceMonitor scrapes the metrics Service of config/default over
	// HTTPS with Prometheus' token; and the sample.
	sm := kustomizeBuild(t, "config/prometheus")
	report(t, "config/prometheus", checkNone(sm, "PodMonitor"))
	report(t, "config/prometheus", checkServiceMonitor(append(ofKind(docs, "Service"), sm...)))
	report(t, "config/samples", checkInventory(kustomizeBuild(t, "config/samples"), "cluster"))
}

// TestChecksCatchMistakes breaks the rendered manifests one way at a time
// and expects the check concerned to notice, so that no check passes
// whatever it is given.
func TestChecksCatchMistakes(t *testing.T) {
	skipShort(t)
	good := helmTemplate(t, append(slices.Clone(allOptional), "--set", "replicaCount=2")...)
	gen := generatedRBAC(t)
	names := ruleNames(t)
	find := func(docs []obj, kind string) obj { return ofKind(docs, kind)[0] }
	byName := func(docs []obj, kind, name string) obj { return named(docs, kind, name)[0] }
	managerRole := func(docs []obj) obj { return byName(docs, "ClusterRole", helmRoles.clusterRole) }
	leaderRole := func(docs []obj) obj { return byName(docs, "Role", helmRoles.leaderElection) }
	pod := func(docs []obj) obj { return mapping(find(docs, "Deployment"), "spec", "template", "spec") }
	container := func(docs []obj) obj { return mapping(pod(docs), "containers", 0) }
	csc := func(docs []obj) obj { return mapping(container(docs), "securityContext") }
	alertRule := func(docs []obj, i int) obj {
		return mapping(find(docs, "PrometheusRule"), "spec", "groups", 0, "rules", i)
	}

	type mistake struct {
		name   string
		mutate func(docs []obj)
		check  func(docs []obj) []string
	}
	role := func(docs []obj) []string { return checkClusterRole(docs, helmRoles.clusterRole, gen.clusterRole) }
	roles := func(docs []obj) []string { return checkRoles(docs, helmRoles, gen) }
	leastPrivilege := func(docs []obj) []string { return checkLeastPrivilege(docs, helmRoles.clusterRole) }
	reader := func(docs []obj) []string { return checkMetricsReader(docs, helmRoles.metricsReader) }
	namespaced := func(docs []obj) []string { return checkNamespaced(docs, releaseNS, rbacElsewhere(helmRoles)) }
	deployment := func(docs []obj) []string { return checkDeployment(docs, 2) }
	alerts := func(docs []obj) []string { return checkAlerts(docs, names, 1800) }
	inventory := func(docs []obj) []string { return checkInventory(docs, "cluster") }
	addRule := func(docs []obj, rule obj) {
		r := managerRole(docs)
		r["rules"] = append(list(r, "rules"), rule)
	}
	mistakes := []mistake{
		{"rules reordered", func(d []obj) {
			r := list(managerRole(d), "rules")
			r[0], r[1] = r[1], r[0]
		}, role},
		{"verb added", func(d []obj) {
			r := mapping(managerRole(d), "rules", 0)
			r["verbs"] = append(list(r, "verbs"), "delete")
		}, role},
		{"rule dropped", func(d []obj) {
			r := managerRole(d)
			r["rules"] = list(r, "rules")[1:]
		}, role},
		{"role renamed", func(d []obj) { mapping(managerRole(d), "metadata")["name"] = "manager" }, role},
		{"binding to another role", func(d []obj) { mapping(find(d, "ClusterRoleBinding"), "roleRef")["name"] = "cluster-admin" }, role},
		{"binding to another account", func(d []obj) { mapping(find(d, "ClusterRoleBinding"), "subjects", 0)["name"] = "default" }, role},
		{"second binding", func(d []obj) {
			// A copy granting the role to another account, in place of the PDB.
			b := deepCopy(t, []obj{find(d, "ClusterRoleBinding")})[0]
			mapping(b, "metadata")["name"] = "extra"
			mapping(b, "subjects", 0)["name"] = "default"
			for i := range d {
				if kindOf(d[i]) == "PodDisruptionBudget" {
					d[i] = b
				}
			}
		}, role},
		{"leases cluster-wide", func(d []obj) {
			addRule(d, obj{"apiGroups": []any{"coordination.k8s.io"}, "resources": []any{"leases"}, "verbs": []any{"get"}})
		}, leastPrivilege},
		{"events cluster-wide", func(d []obj) {
			addRule(d, obj{"apiGroups": []any{""}, "resources": []any{"events"}, "verbs": []any{"create"}})
		}, leastPrivilege},
		{"configmaps cluster-wide", func(d []obj) {
			addRule(d, obj{"apiGroups": []any{""}, "resources": []any{"configmaps"}, "verbs": []any{"list"}})
		}, leastPrivilege},
		{"source writable", func(d []obj) {
			r := mapping(managerRole(d), "rules", 0)
			r["verbs"] = append(list(r, "verbs"), "update")
		}, leastPrivilege},
		{"spec writable", func(d []obj) {
			addRule(d, obj{"apiGroups": []any{"netinventory.io"}, "resources": []any{"networkinventories"}, "verbs": []any{"patch"}})
		}, leastPrivilege},
		{"status deletable", func(d []obj) {
			addRule(d, obj{"apiGroups": []any{"netinventory.io"}, "resources": []any{"networkinventories/status"}, "verbs": []any{"delete"}})
		}, leastPrivilege},
		{"reviews readable", func(d []obj) {
			addRule(d, obj{"apiGroups": []any{"authorization.k8s.io"}, "resources": []any{"subjectaccessreviews"}, "verbs": []any{"create", "delete"}})
		}, leastPrivilege},
		{"URL on the manager", func(d []obj) {
			addRule(d, obj{"nonResourceURLs": []any{"/metrics"}, "verbs": []any{"get"}})
		}, leastPrivilege},
		{"lease unrestricted", func(d []obj) {
			delete(mapping(leaderRole(d), "rules", 1), "resourceNames")
		}, roles},
		{"lease deletable", func(d []obj) {
			r := mapping(leaderRole(d), "rules", 1)
			r["verbs"] = append(list(r, "verbs"), "delete")
		}, roles},
		{"events Role in the release namespace", func(d []obj) {
			mapping(byName(d, "Role", helmRoles.events), "metadata")["namespace"] = releaseNS
		}, roles},
		{"events RoleBinding in the release namespace", func(d []obj) {
			mapping(byName(d, "RoleBinding", helmRoles.events), "metadata")["namespace"] = releaseNS
		}, roles},
		{"leader election Role elsewhere", func(d []obj) {
			mapping(leaderRole(d), "metadata")["namespace"] = "default"
		}, roles},
		{"RoleBinding to another account", func(d []obj) {
			mapping(byName(d, "RoleBinding", helmRoles.leaderElection), "subjects", 0)["name"] = "default"
		}, roles},
		{"RoleBinding to another Role", func(d []obj) {
			mapping(byName(d, "RoleBinding", helmRoles.events), "roleRef")["name"] = helmRoles.leaderElection
		}, roles},
		{"metrics reader widened", func(d []obj) {
			r := mapping(byName(d, "ClusterRole", helmRoles.metricsReader), "rules", 0)
			r["nonResourceURLs"] = append(list(r, "nonResourceURLs"), "/debug/pprof")
		}, reader},
		{"metrics reader renamed", func(d []obj) {
			mapping(byName(d, "ClusterRole", helmRoles.metricsReader), "metadata")["name"] = "metrics-reader"
		}, reader},
		{"secrets readable", func(d []obj) {
			addRule(d, obj{"apiGroups": []any{""}, "resources": []any{"secrets"}, "verbs": []any{"get"}})
		}, checkNoBroadRBAC},
		{"configmaps readable in a Role", func(d []obj) {
			r := leaderRole(d)
			r["rules"] = append(list(r, "rules"), obj{"apiGroups": []any{""}, "resources": []any{"configmaps"}, "verbs": []any{"get"}})
		}, checkNoBroadRBAC},
		{"wildcard verb", func(d []obj) {
			addRule(d, obj{"apiGroups": []any{"apps"}, "resources": []any{"deployments"}, "verbs": []any{"*"}})
		}, checkNoBroadRBAC},
		{"wildcard resource", func(d []obj) {
			addRule(d, obj{"apiGroups": []any{""}, "resources": []any{"*"}, "verbs": []any{"get"}})
		}, checkNoBroadRBAC},
		{"wildcard group", func(d []obj) {
			addRule(d, obj{"apiGroups": []any{"*"}, "resources": []any{"pods"}, "verbs": []any{"get"}})
		}, checkNoBroadRBAC},
		{"pod runs as root", func(d []obj) { mapping(pod(d), "securityContext")["runAsUser"] = float64(0) }, deployment},
		{"pod may run as root", func(d []obj) { mapping(pod(d), "securityContext")["runAsNonRoot"] = false }, deployment},
		{"pod runAsNonRoot unset", func(d []obj) { delete(mapping(pod(d), "securityContext"), "runAsNonRoot") }, deployment},
		{"pod seccomp unconfined", func(d []obj) {
			mapping(pod(d), "securityContext", "seccompProfile")["type"] = "Unconfined"
		}, deployment},
		{"host network", func(d []obj) { pod(d)["hostNetwork"] = true }, deployment},
		{"escalation allowed", func(d []obj) { csc(d)["allowPrivilegeEscalation"] = true }, deployment},
		{"escalation unset", func(d []obj) { delete(csc(d), "allowPrivilegeEscalation") }, deployment},
		{"writable root", func(d []obj) { csc(d)["readOnlyRootFilesystem"] = false }, deployment},
		{"privileged", func(d []obj) { csc(d)["privileged"] = true }, deployment},
		{"capabilities kept", func(d []obj) { mapping(csc(d), "capabilities")["drop"] = []any{"NET_RAW"} }, deployment},
		{"capability added", func(d []obj) { mapping(csc(d), "capabilities")["add"] = []any{"NET_ADMIN"} }, deployment},
		{"container root", func(d []obj) { csc(d)["runAsUser"] = float64(0) }, deployment},
		{"container seccomp unconfined", func(d []obj) { mapping(csc(d), "seccompProfile")["type"] = "Unconfined" }, deployment},
		{"no memory limit", func(d []obj) { delete(mapping(container(d), "resources", "limits"), "memory") }, deployment},
		{"liveness path", func(d []obj) { mapping(container(d), "livenessProbe", "httpGet")["path"] = "/readyz" }, deployment},
		{"readiness path", func(d []obj) { mapping(container(d), "readinessProbe", "httpGet")["path"] = "/healthz" }, deployment},
		{"liveness port", func(d []obj) { mapping(container(d), "livenessProbe", "httpGet")["port"] = float64(metricsPort) }, deployment},
		{"readiness named port", func(d []obj) { mapping(container(d), "readinessProbe", "httpGet")["port"] = metricsPortName }, deployment},
		{"metrics port", func(d []obj) { mapping(container(d), "ports", 0)["containerPort"] = float64(9090) }, deployment},
		{"metrics port renamed", func(d []obj) { mapping(container(d), "ports", 0)["name"] = "metrics" }, deployment},
		{"metrics insecure", func(d []obj) {
			c := container(d)
			c["args"] = append(list(c, "args"), "--metrics-secure=false")
		}, deployment},
		{"metrics secure unset", func(d []obj) {
			c := container(d)
			c["args"] = slices.DeleteFunc(list(c, "args"), func(a any) bool { return a == "--metrics-secure=true" })
		}, deployment},
		{"metrics on the plain port", func(d []obj) {
			c := container(d)
			c["args"] = append(list(c, "args"), "--metrics-bind-address=:8080")
		}, deployment},
		{"no leader election", func(d []obj) {
			c := container(d)
			c["args"] = slices.DeleteFunc(list(c, "args"), func(a any) bool { return a == "--leader-elect=true" })
		}, deployment},
		{"leader namespace", func(d []obj) {
			c := container(d)
			c["args"] = slices.DeleteFunc(list(c, "args"), func(a any) bool { return strings.HasPrefix(a.(string), "--leader-election-namespace") })
		}, deployment},
		{"no POD_NAMESPACE", func(d []obj) { container(d)["env"] = []any{} }, deployment},
		{"replicas", func(d []obj) { mapping(find(d, "Deployment"), "spec")["replicas"] = float64(1) }, deployment},
		{"inventory renamed", func(d []obj) { mapping(find(d, "NetworkInventory"), "metadata")["name"] = "default" }, inventory},
		{"inventory namespaced", func(d []obj) { mapping(find(d, "NetworkInventory"), "metadata")["namespace"] = "x" }, inventory},
		{"alert missing", func(d []obj) {
			g := mapping(find(d, "PrometheusRule"), "spec", "groups", 0)
			g["rules"] = list(g, "rules")[1:]
		}, alerts},
		{"alert renamed", func(d []obj) { alertRule(d, 0)["alert"] = "CriticalFindings" }, alerts},
		{"unknown metric", func(d []obj) {
			alertRule(d, 0)["expr"] = `max by (inventory, rule) (netinventory_critical_findings) > 0`
		}, alerts},
		{"no metric", func(d []obj) { alertRule(d, 0)["expr"] = `vector(1) > 0` }, alerts},
		{"unknown label value", func(d []obj) {
			alertRule(d, 0)["expr"] = `max by (inventory, rule) (netinventory_findings{priority="critical"}) > 0`
		}, alerts},
		{"unknown label", func(d []obj) {
			alertRule(d, 1)["expr"] = `max by (inventory) (netinventory_endpoints{public="true"}) > 0`
		}, alerts},
		{"unknown rule", func(d []obj) {
			alertRule(d, 1)["expr"] = `max by (inventory, priority) (netinventory_findings{rule="PublicEndpointWithoutAuth"}) > 0`
		}, alerts},
		{"label dropped by aggregation", func(d []obj) {
			alertRule(d, 0)["expr"] = `max by (inventory) (netinventory_findings{priority="Critical"}) > 0`
		}, alerts},
		{"inventory label dropped", func(d []obj) {
			alertRule(d, 3)["expr"] = `max(netinventory_seconds_since_last_successful_recompute) > 1800`
		}, alerts},
		{"stale threshold", func(d []obj) {
			alertRule(d, 3)["expr"] = `min by (inventory) (netinventory_seconds_since_last_successful_recompute) > 3600`
		}, alerts},
		{"no severity", func(d []obj) { delete(mapping(alertRule(d, 2), "labels"), "severity") }, alerts},
		{"summary without labels", func(d []obj) { mapping(alertRule(d, 2), "annotations")["summary"] = "namespaces not isolated" }, alerts},
		{"no description", func(d []obj) { delete(mapping(alertRule(d, 3), "annotations"), "description") }, alerts},
		{"netpol extra ingress port", func(d []obj) {
			r := mapping(find(d, "NetworkPolicy"), "spec", "ingress", 0)
			r["ports"] = append(list(r, "ports"), obj{"port": float64(22), "protocol": "TCP"})
		}, checkNetworkPolicy},
		{"netpol egress anywhere", func(d []obj) {
			s := mapping(find(d, "NetworkPolicy"), "spec")
			s["egress"] = append(list(s, "egress"), obj{})
		}, checkNetworkPolicy},
		{"netpol DNS elsewhere", func(d []obj) {
			mapping(find(d, "NetworkPolicy"), "spec", "egress", 0, "to", 0, "podSelector", "matchLabels")["k8s-app"] = "x"
		}, checkNetworkPolicy},
		{"netpol no API server", func(d []obj) {
			s := mapping(find(d, "NetworkPolicy"), "spec")
			s["egress"] = list(s, "egress")[:1]
		}, checkNetworkPolicy},
		{"netpol selects nothing", func(d []obj) {
			mapping(find(d, "NetworkPolicy"), "spec", "podSelector", "matchLabels")["app.kubernetes.io/name"] = "x"
		}, checkNetworkPolicy},
		{"cilium no ingress", func(d []obj) { delete(mapping(find(d, "CiliumNetworkPolicy"), "spec"), "ingress") }, checkCiliumNetworkPolicy},
		{"cilium API server as world", func(d []obj) {
			mapping(find(d, "CiliumNetworkPolicy"), "spec", "egress", 1)["toEntities"] = []any{"world"}
		}, checkCiliumNetworkPolicy},
		{"cilium API server port", func(d []obj) {
			mapping(find(d, "CiliumNetworkPolicy"), "spec", "egress", 1, "toPorts", 0, "ports", 0)["port"] = "8443"
		}, checkCiliumNetworkPolicy},
		{"cilium DNS elsewhere", func(d []obj) {
			mapping(find(d, "CiliumNetworkPolicy"), "spec", "egress", 0, "toEndpoints", 0, "matchLabels")["k8s:io.kubernetes.pod.namespace"] = "default"
		}, checkCiliumNetworkPolicy},
		{"service targets elsewhere", func(d []obj) {
			mapping(find(d, "Service"), "spec", "ports", 0)["targetPort"] = "health"
		}, checkMonitoring},
		{"podmonitor port", func(d []obj) {
			mapping(find(d, "PodMonitor"), "spec", "podMetricsEndpoints", 0)["port"] = "http"
		}, checkMonitoring},
		{"servicemonitor selects nothing", func(d []obj) {
			mapping(find(d, "ServiceMonitor"), "spec", "selector", "matchLabels")["app.kubernetes.io/name"] = "x"
		}, checkMonitoring},
		{"service port renamed", func(d []obj) { mapping(find(d, "Service"), "spec", "ports", 0)["name"] = "metrics" }, checkMonitoring},
		{"servicemonitor plain HTTP", func(d []obj) {
			mapping(find(d, "ServiceMonitor"), "spec", "endpoints", 0)["scheme"] = "http"
		}, checkMonitoring},
		{"servicemonitor scheme unset", func(d []obj) {
			delete(mapping(find(d, "ServiceMonitor"), "spec", "endpoints", 0), "scheme")
		}, checkMonitoring},
		{"servicemonitor no token", func(d []obj) {
			delete(mapping(find(d, "ServiceMonitor"), "spec", "endpoints", 0), "bearerTokenFile")
		}, checkMonitoring},
		{"servicemonitor no tlsConfig", func(d []obj) {
			delete(mapping(find(d, "ServiceMonitor"), "spec", "endpoints", 0), "tlsConfig")
		}, checkMonitoring},
		{"podmonitor plain HTTP", func(d []obj) {
			mapping(find(d, "PodMonitor"), "spec", "podMetricsEndpoints", 0)["scheme"] = "http"
		}, checkMonitoring},
		{"podmonitor no token", func(d []obj) {
			delete(mapping(find(d, "PodMonitor"), "spec", "podMetricsEndpoints", 0), "authorization")
		}, checkMonitoring},
		{"podmonitor token file", func(d []obj) {
			ep := mapping(find(d, "PodMonitor"), "spec", "podMetricsEndpoints", 0)
			delete(ep, "authorization")
			ep["bearerTokenFile"] = saTokenFile
		}, checkMonitoring},
		{"podmonitor no tlsConfig", func(d []obj) {
			delete(mapping(find(d, "PodMonitor"), "spec", "podMetricsEndpoints", 0), "tlsConfig")
		}, checkMonitoring},
		{"no PDB", func(d []obj) {
			for _, p := range ofKind(d, "PodDisruptionBudget") {
				p["kind"] = "Removed"
			}
		}, func(d []obj) []string { return checkPDB(d, true) }},
		{"PDB selector", func(d []obj) {
			mapping(find(d, "PodDisruptionBudget"), "spec", "selector", "matchLabels")["app.kubernetes.io/name"] = "x"
		}, func(d []obj) []string { return checkPDB(d, true) }},
		{"PDB for one replica", func(d []obj) {}, func(d []obj) []string { return checkPDB(d, false) }},
		{"label missing", func(d []obj) { delete(mapping(find(d, "Service"), "metadata", "labels"), "helm.sh/chart") }, checkLabels},
		{"optional object rendered", func(d []obj) {}, func(d []obj) []string { return checkNone(d, "PrometheusRule") }},
		{"wrong namespace", func(d []obj) { mapping(find(d, "Service"), "metadata")["namespace"] = "default" }, namespaced},
		{"Role in another namespace", func(d []obj) { mapping(leaderRole(d), "metadata")["namespace"] = "default" }, namespaced},
		{"events Role moved", func(d []obj) {
			mapping(byName(d, "Role", helmRoles.events), "metadata")["namespace"] = releaseNS
		}, namespaced},
	}

	// The unbroken manifests pass every check.
	for _, m := range mistakes {
		if m.name == "PDB for one replica" || m.name == "optional object rendered" {
			continue
		}
		if p := m.check(good); len(p) > 0 {
			t.Fatalf("check for %q fails on the good manifests: %v", m.name, p)
		}
	}
	for _, m := range mistakes {
		t.Run(m.name, func(t *testing.T) {
			docs := deepCopy(t, good)
			m.mutate(docs)
			if p := m.check(docs); len(p) == 0 {
				t.Errorf("the check passed manifests broken by %q", m.name)
			}
		})
	}
}
