// Command fluxbench measures the audit of a generated Flux repository: N
// HelmReleases of the app chart (Deployment, Service and HTTPRoute each),
// from an HTTP chart repository this program serves, spread over
// namespaces each with its Flux Kustomization and ${APP} substitution. It
// runs `kubectl-netinv audit` as separate processes: with a cold chart
// cache (charts fetched), with the warm cache, warm and --offline, and
// without rendering; and prints wall time and peak RSS of each.
//
// Usage: go run ./hack/fluxbench -releases 100 -plugin bin/kubectl-netinv
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/repo"
)

func main() {
	releases := flag.Int("releases", 100, "HelmReleases to generate")
	perNamespace := flag.Int("per-namespace", 10, "HelmReleases per namespace")
	plugin := flag.String("plugin", "bin/kubectl-netinv", "the kubectl-netinv binary")
	chart := flag.String("chart", "test/fixtures/flux-repo/charts/app", "the chart to serve")
	flag.Parse()

	work, err := os.MkdirTemp("", "fluxbench-")
	if err != nil {
		log.Fatal(err)
	}
	if os.Getenv("FLUXBENCH_KEEP") == "" {
		defer func() { _ = os.RemoveAll(work) }()
	}
	log.Printf("work directory %s", work)
	url := serveCharts(filepath.Join(work, "charts"), *chart)
	repoDir := filepath.Join(work, "repo")
	generate(repoDir, url, *releases, *perNamespace)
	cache := filepath.Join(work, "cache")

	fmt.Printf("audit of a Flux repository with %d HelmReleases (%d namespaces), chart served on %s\n\n", *releases,
		(*releases+*perNamespace-1) / *perNamespace, url)
	fmt.Println("| run | wall | peak RSS | endpoints |")
	fmt.Println("| --- | --- | --- | --- |")
	for _, r := range []struct {
		name string
		args []string
	}{
		{"cold chart cache", nil},
		{"warm chart cache", nil},
		{"warm chart cache, --offline", []string{"--offline"}},
		{"build only, --render-helm=false", []string{"--render-helm=false"}},
	} {
		args := append([]string{"audit", "-f", repoDir, "-o", "table", "--fail-on", "none", "--chart-cache", cache}, r.args...)
		cmd := exec.Command(*plugin, args...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		start := time.Now()
		if err := cmd.Run(); err != nil {
			log.Fatalf("%s: %v\n%.2000s", r.name, err, errOut.String())
		}
		wall := time.Since(start)
		// KiB on Linux. A child started by vfork (as Go starts processes)
		// reports at least its parent's peak; this process holds only the
		// generated repository, far below the plugin's own peak (see
		// hack/auditbench).
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
		fmt.Printf("| %s | %.2f s | %d MiB | %s |\n", r.name, wall.Seconds(), rss/1024, endpoints(out.String()))
		if errOut.Len() > 0 {
			log.Printf("%s: %s", r.name, firstLine(errOut.String()))
		}
	}
}

// endpoints reads the endpoint count of the table's summary line.
func endpoints(table string) string {
	lines := strings.Split(table, "\n")
	if len(lines) < 2 {
		return "?"
	}
	fields := strings.Fields(lines[1])
	if len(fields) < 3 {
		return "?"
	}
	return fields[2]
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// serveCharts packages the chart into dir, writes its index, and serves
// dir over HTTP on a loopback port; it returns the repository's URL.
func serveCharts(dir, chartDir string) string {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	ch, err := loader.LoadDir(chartDir)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := chartutil.Save(ch, dir); err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	index, err := repo.IndexDirectory(dir, url)
	if err != nil {
		log.Fatal(err)
	}
	if err := index.WriteFile(filepath.Join(dir, "index.yaml"), 0o644); err != nil {
		log.Fatal(err)
	}
	go func() { log.Fatal(http.Serve(ln, http.FileServer(http.Dir(dir)))) }()
	return url
}

// generate writes a Flux repository: a cluster whose apps Kustomization
// lists one directory per namespace, each with its apps' Flux
// Kustomizations, each app a HelmRelease of the served chart.
func generate(dir, url string, releases, perNamespace int) {
	write := func(path, content string) {
		p := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	write("clusters/prod/flux-system/gotk-sync.yaml", fluxKustomization("flux-system", "./clusters/prod", "", ""))
	write("clusters/prod/apps.yaml", fluxKustomization("apps", "./apps", "", ""))
	write("clusters/prod/settings.yaml", `apiVersion: v1
kind: Namespace
metadata: {name: flux-system}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cluster-settings, namespace: flux-system}
data: {DOMAIN: example.net}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: flux-system}
spec: {url: "`+url+`"}
`)
	write("infrastructure/gateway.yaml", `apiVersion: v1
kind: Namespace
metadata: {name: network}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: external, namespace: network}
spec:
  gatewayClassName: envoy
  listeners: [{name: https, protocol: HTTPS, port: 443, allowedRoutes: {namespaces: {from: All}}}]
`)
	var namespaces []string
	for i := 0; i < releases; i++ {
		ns := fmt.Sprintf("team-%02d", i/perNamespace)
		app := fmt.Sprintf("app-%03d", i)
		if len(namespaces) == 0 || namespaces[len(namespaces)-1] != ns {
			namespaces = append(namespaces, ns)
			write("apps/"+ns+"/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: "+ns+"}\n")
		}
		write("apps/"+ns+"/"+app+"/ks.yaml", fluxKustomization(app, "./apps/"+ns+"/"+app+"/app", ns, app))
		write("apps/"+ns+"/"+app+"/app/helmrelease.yaml", `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: "${APP}"}
spec:
  interval: 30m
  chart: {spec: {chart: app, version: 1.x, sourceRef: {kind: HelmRepository, name: charts, namespace: flux-system}}}
  values:
    controllers:
      main:
        replicas: 2
        containers: {app: {image: {repository: "registry.example.net/${APP}", tag: "1.0"}, ports: {http: 8080}}}
    service:
      main: {ports: {http: {port: 8080}}}
    route:
      main:
        hostnames: ["${APP}.${DOMAIN}"]
        parentRefs: [{name: external, namespace: network, sectionName: https}]
`)
	}
	var list strings.Builder
	list.WriteString("resources:\n  - ../infrastructure\n")
	for _, ns := range namespaces {
		list.WriteString("  - ./" + ns + "\n")
	}
	write("apps/kustomization.yaml", list.String())
	write("infrastructure/kustomization.yaml", "resources: [gateway.yaml]\n")
	for _, ns := range namespaces {
		entries, err := os.ReadDir(filepath.Join(dir, "apps", ns))
		if err != nil {
			log.Fatal(err)
		}
		var k strings.Builder
		k.WriteString("resources:\n  - namespace.yaml\n")
		for _, e := range entries {
			if e.IsDir() {
				k.WriteString("  - ./" + e.Name() + "/ks.yaml\n")
			}
		}
		write("apps/"+ns+"/kustomization.yaml", k.String())
	}
}

func fluxKustomization(name, path, targetNamespace, app string) string {
	s := `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: ` + name + `, namespace: flux-system}
spec:
  interval: 10m
  path: ` + path + `
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
`
	if targetNamespace != "" {
		s += "  targetNamespace: " + targetNamespace + "\n"
	}
	if app != "" {
		s += "  postBuild:\n    substitute: {APP: " + app + "}\n    substituteFrom: [{kind: ConfigMap, name: cluster-settings}]\n"
	}
	return s
}
