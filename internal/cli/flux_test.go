package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"netinventory.io/netinventory/api/v1alpha1"
)

const fluxRepo = "../../test/fixtures/flux-repo"

// auditJSON audits and decodes the inventory printed.
func auditJSON(t *testing.T, args ...string) (*v1alpha1.NetworkInventory, string) {
	t.Helper()
	out, errOut, code := run(t, "", append([]string{"audit", "-o", "json", "--fail-on", "none"}, args...)...)
	if code != 0 {
		t.Fatalf("audit %v: exit %d\n%s", args, code, errOut)
	}
	var ni v1alpha1.NetworkInventory
	if err := json.Unmarshal([]byte(out), &ni); err != nil {
		t.Fatal(err)
	}
	return &ni, errOut
}

// endpoints lists "hostname exposure mode".
func endpoints(ni *v1alpha1.NetworkInventory) []string {
	var out []string
	for _, e := range ni.Status.Endpoints.Items {
		out = append(out, strings.Join([]string{e.Hostname, string(e.Exposure), string(e.Authentication.Mode)}, " "))
	}
	slices.Sort(out)
	return out
}

func TestAuditAskWhichClusterOfARepository(t *testing.T) {
	out, errOut, code := run(t, "", "audit", "-f", fluxRepo)
	if code != 2 || out != "" || !strings.Contains(errOut, "holds 2 clusters, choose one with --cluster") ||
		!strings.Contains(errOut, "clusters/home: flux-system/flux-system (path ./clusters/home)") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	_, errOut, code = run(t, "", "audit", "-f", fluxRepo, "--cluster", "staging")
	if code != 2 || !strings.Contains(errOut, "--cluster staging is neither a directory nor a Flux Kustomization") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}

func TestAuditBuildsEachClusterAsFluxApplies(t *testing.T) {
	home, errOut := auditJSON(t, "-f", fluxRepo, "--cluster", "clusters/home")
	// wiki's route is a manifest; echo's and jellyfin's come from their
	// HelmReleases' values, rendered with the repository's chart.
	want := []string{"echo.home.example.net Public None", "jellyfin.home.example.net Internal None", "wiki.home.example.net Public Required"}
	if got := endpoints(home); !slices.Equal(got, want) {
		t.Errorf("home endpoints\n got %v\nwant %v", got, want)
	}
	if home.Status.Summary.Pods != 4 {
		t.Errorf("%d pods, want 4: wiki's 2, echo's and jellyfin's from their charts", home.Status.Summary.Pods)
	}
	if !strings.Contains(errOut, "warning: Kustomization flux-system/apps (applied by flux-system/flux-system): substituteFrom Secret flux-system/cluster-secrets is encrypted") {
		t.Errorf("the encrypted Secret is not said:\n%s", errOut)
	}
	// The same cluster chosen by its flux-system Kustomization, or by a
	// directory below its own.
	for _, choice := range []string{"clusters/home/flux-system", filepath.Join(fluxRepo, "clusters/home")} {
		again, _ := auditJSON(t, "-f", fluxRepo, "--cluster", choice)
		if !slices.Equal(endpoints(again), endpoints(home)) {
			t.Errorf("--cluster %s: %v, want %v", choice, endpoints(again), endpoints(home))
		}
	}
	lab, errOut := auditJSON(t, "-f", fluxRepo, "--cluster", "clusters/lab")
	if got := endpoints(lab); len(got) != 0 {
		t.Errorf("lab endpoints %v: its external gateway admits no route of another namespace", got)
	}
	if !strings.Contains(errOut, "warning: 2 objects have no namespace (audited in default, as kubectl would apply them): "+
		"Deployment whoami (Kustomization flux-system/whoami), Service whoami (Kustomization flux-system/whoami)") {
		t.Errorf("objects without a namespace not listed:\n%s", errOut)
	}
	for _, gw := range lab.Status.Gateways.Items {
		if gw.Exposure != v1alpha1.ExposureInternal {
			t.Errorf("lab gateway %s %s: its private address is the evidence", gw.Name, gw.Exposure)
		}
	}
}

func TestAuditBuildModes(t *testing.T) {
	// --build none reads every file on its own: placeholders stay, the
	// objects of both clusters mix, namespaces are lost.
	flat, errOut := auditJSON(t, "-f", fluxRepo, "--build", "none")
	for _, gw := range flat.Status.Gateways.Items {
		if gw.Namespace != "default" {
			t.Errorf("--build none: gateway %s/%s", gw.Namespace, gw.Name)
		}
	}
	if !strings.Contains(errOut, "objects have no namespace") {
		t.Errorf("--build none: the objects without a namespace are not listed:\n%s", errOut)
	}
	// A kustomize directory.
	dir := t.TempDir()
	write(t, dir, "kustomization.yaml", "namespace: app\nresources: [svc.yaml]\n")
	write(t, dir, "svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: LoadBalancer, ports: [{port: 80}]}\n")
	ni, errOut := auditJSON(t, "-f", dir)
	if len(ni.Status.Services.Items) != 1 || ni.Status.Services.Items[0].Namespace != "app" || strings.Contains(errOut, "no namespace") {
		t.Errorf("kustomize build: services %+v\n%s", ni.Status.Services.Items, errOut)
	}
	_, errOut, code := run(t, "", "audit", "-f", dir, "--build", "flux")
	if code != 2 || !strings.Contains(errOut, "--build flux: no Flux Kustomization") {
		t.Errorf("--build flux without Flux: exit %d\n%s", code, errOut)
	}
	_, errOut, code = run(t, "", "audit", "-f", dir, "--build", "helm")
	if code != 2 || !strings.Contains(errOut, "--build must be one of auto, flux, kustomize, none") {
		t.Errorf("--build helm: exit %d\n%s", code, errOut)
	}
}

// TestAuditFailsOnWhatCannotBeBuilt: a Kustomization that does not build
// fails the audit, naming its file, unless skipped; the rest is audited.
func TestAuditFailsOnWhatCannotBeBuilt(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "clusters/c/sync.yaml", `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flux-system, namespace: flux-system}
spec:
  path: ./clusters/c
  sourceRef: {kind: GitRepository, name: flux-system}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: broken, namespace: flux-system}
spec:
  path: ./broken
  sourceRef: {kind: GitRepository, name: flux-system}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  path: ./apps
  targetNamespace: apps
  sourceRef: {kind: GitRepository, name: flux-system}
`)
	write(t, dir, "broken/kustomization.yaml", "resources: [missing.yaml]\n")
	write(t, dir, "apps/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: LoadBalancer, ports: [{port: 80}]}\n")
	out, errOut, code := run(t, "", "audit", "-f", dir, "--fail-on", "none")
	if code != 2 || out != "" || !strings.Contains(errOut, "error: "+filepath.Join(dir, "clusters/c/sync.yaml")+": Kustomization flux-system/broken (applied by flux-system/flux-system): kustomize build of ./broken failed") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if n := strings.Count(strings.TrimSpace(errOut), "\n") + 1; n != 2 {
		t.Errorf("%d lines of errors, want one per problem and the verdict:\n%s", n, errOut)
	}
	ni, errOut := auditJSON(t, "-f", dir, "--skip-unreadable")
	if len(ni.Status.Services.Items) != 1 || ni.Status.Services.Items[0].Namespace != "apps" || !strings.Contains(errOut, "warning: skipped: ") {
		t.Errorf("the rest is not audited: %+v\n%s", ni.Status.Services.Items, errOut)
	}
}

// TestAuditSaysWhichHelmReleasesItCannotRender: a HelmRelease whose chart
// cannot be had is a warning naming it, and the rest is audited.
func TestAuditSaysWhichHelmReleasesItCannotRender(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "apps.yaml", `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: flux-system}
spec: {url: "https://charts.example.invalid"}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: apps}
spec:
  chart: {spec: {chart: web, version: 1.x, sourceRef: {kind: HelmRepository, name: charts, namespace: flux-system}}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: lost, namespace: apps}
spec:
  chart: {spec: {chart: lost, sourceRef: {kind: HelmRepository, name: nowhere}}}
---
apiVersion: v1
kind: Service
metadata: {name: lb, namespace: apps}
spec: {type: LoadBalancer, ports: [{port: 80}]}
`)
	ni, errOut := auditJSON(t, "-f", dir, "--offline", "--chart-cache", t.TempDir())
	for _, want := range []string{
		"warning: HelmRelease apps/web not rendered, its objects are not audited: ",
		"warning: HelmRelease apps/lost not rendered, its objects are not audited: ",
		"not in the chart cache",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("no %q in\n%s", want, errOut)
		}
	}
	if len(ni.Status.Services.Items) != 1 {
		t.Errorf("the rest is not audited: %+v", ni.Status.Services.Items)
	}
	// Not rendering at all is a choice, and silent.
	_, errOut = auditJSON(t, "-f", dir, "--render-helm=false")
	if strings.Contains(errOut, "HelmRelease") {
		t.Errorf("--render-helm=false still renders:\n%s", errOut)
	}
}

func TestAuditOfTemplatesOnlyFails(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "app.yaml.j2", namespace)
	_, errOut, code := run(t, "", "audit", "-f", dir)
	if code != 2 || !strings.Contains(errOut, "no .yaml, .yml or .json file") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDiffOfAFluxPullRequest: a pull request to a Flux repository that
// moves a HelmRelease's route to the public gateway is seen through the
// Flux build and the chart: the endpoint becomes public, unauthenticated,
// and the check fails.
func TestDiffOfAFluxPullRequest(t *testing.T) {
	repo, gitIn := gitRepo(t)
	src := abs(t, fluxRepo)
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		copyFile(t, p, filepath.Join(repo, "kubernetes", rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	gitIn("add", "-A")
	gitIn("commit", "-q", "-m", "base")
	release := filepath.Join(repo, "kubernetes", "apps", "media", "jellyfin", "app", "helmrelease.yaml")
	data, err := os.ReadFile(release)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Dir(release), "helmrelease.yaml", strings.Replace(string(data), "name: envoy-internal", "name: envoy-external", 1))

	out, errOut, code := run(t, "", "diff", "--base-rev", "HEAD", filepath.Join(repo, "kubernetes"), "--cluster", "clusters/home", "--fail-on", "high")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, errOut, out)
	}
	for _, want := range []string{"PublicEndpointWithoutAuthentication", "`jellyfin.home.example.net`", "opened"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "wiki.home.example.net") || strings.Contains(out, "echo.home.example.net") {
		t.Errorf("endpoints the change does not touch are listed:\n%s", out)
	}
}
