package helmrender

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestRenderOffline renders from every kind of remote source online with a
// cache, then offline from that cache with the servers failing the test if
// they are contacted; with a cold cache, each render fails naming its
// HelmRelease and chart.
func TestRenderOffline(t *testing.T) {
	srv := newChartRepo(t, map[string][]byte{
		"app-1.0.0.tgz": packageChart(t, "1.0.0"),
		"app-1.1.0.tgz": packageChart(t, "1.1.0"),
	})
	reg := newRegistry(t)
	pushChart(t, packageChart(t, "1.0.0"), reg.host()+"/charts/app:1.0.0", true)
	pushChart(t, packageChart(t, "1.1.0"), reg.host()+"/charts/app:1.1.0", true)
	pushChart(t, packageChart(t, "1.1.0"), reg.host()+"/charts/app:latest", false)
	objects := parse(t, `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: flux-system}
spec: {interval: 1h, url: `+srv.URL+`/charts}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: oci-charts, namespace: flux-system}
spec: {interval: 1h, type: oci, url: "oci://`+reg.host()+`/charts"}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: app-semver, namespace: flux-system}
spec: {interval: 1h, url: "oci://`+reg.host()+`/charts/app", ref: {semver: "~1.0"}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: app-latest, namespace: flux-system}
spec: {interval: 1h, url: "oci://`+reg.host()+`/charts/app"}
`)
	chartSpec := func(source, version string) string {
		return "chart:\n  spec:\n    chart: app\n    version: \"" + version + "\"\n    sourceRef: {kind: HelmRepository, name: " + source + ", namespace: flux-system}\n"
	}
	releases := []struct {
		hr      *unstructured.Unstructured
		version string
	}{
		{helmRelease(t, "http", chartSpec("charts", "1.x"), appValues), "1.1.0"},
		{helmRelease(t, "http-exact", chartSpec("charts", "1.0.0"), appValues), "1.0.0"},
		{helmRelease(t, "oci", chartSpec("oci-charts", ">=1.0.0"), appValues), "1.1.0"},
		{helmRelease(t, "oci-exact", chartSpec("oci-charts", "1.0.0"), appValues), "1.0.0"},
		{helmRelease(t, "ocirepo-semver", "chartRef: {kind: OCIRepository, name: app-semver, namespace: flux-system}", appValues), "1.0.0"},
		{helmRelease(t, "ocirepo-latest", "chartRef: {kind: OCIRepository, name: app-latest, namespace: flux-system}", appValues), "1.1.0"},
	}

	cache := t.TempDir()
	online := map[string]string{}
	r := &Renderer{CacheDir: cache, APIVersions: gatewayAPI}
	for _, rel := range releases {
		got := render(t, r, rel.hr, objects...)
		equal(t, rel.hr.GetName()+" version", got.Version, rel.version)
		online[rel.hr.GetName()] = objectsJSON(t, got)
	}
	// Each index and tag list is fetched once per Renderer: a second round
	// fetches only the tags resolved (they may move), no index, no chart.
	before := srv.hits.Load()
	for _, rel := range releases {
		render(t, r, rel.hr, objects...)
	}
	if n := srv.hits.Load() - before; n != 0 {
		t.Errorf("the HTTP repository was asked %d more times for the same charts", n)
	}

	for _, f := range []string{"index.yaml", "app-1.0.0.tgz", "app-1.1.0.tgz", "url"} {
		if m, _ := filepath.Glob(filepath.Join(cache, "helm", "127.0.0.1-*-charts-*", f)); len(m) != 1 {
			t.Errorf("cache: no helm/<repository>/%s in %s", f, cache)
		}
	}
	for _, f := range []string{"tags.json", "tags/1.0.0", "tags/latest", "manifests/sha256-*.json", "blobs/sha256-*.tgz"} {
		if m, _ := filepath.Glob(filepath.Join(cache, "oci", "127.0.0.1-*-charts-app-*", f)); len(m) == 0 {
			t.Errorf("cache: no oci/<repository>/%s in %s", f, cache)
		}
	}

	srv.denied.Store(true)
	reg.denied.Store(true)
	// An HTTP client that fails too, should anything bypass the servers.
	noNetwork := &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		t.Errorf("the network was used: %s %s", req.Method, req.URL)
		return nil, errors.New("offline")
	})}

	t.Run("warm cache", func(t *testing.T) {
		r := &Renderer{CacheDir: cache, Offline: true, APIVersions: gatewayAPI, HTTPClient: noNetwork}
		for _, rel := range releases {
			got := render(t, r, rel.hr, objects...)
			if objectsJSON(t, got) != online[rel.hr.GetName()] {
				t.Errorf("%s: offline objects differ from online", rel.hr.GetName())
			}
		}
	})
	for name, dir := range map[string]string{"cold cache": t.TempDir(), "no cache": ""} {
		t.Run(name, func(t *testing.T) {
			r := &Renderer{CacheDir: dir, Offline: true, HTTPClient: noNetwork}
			for _, rel := range releases {
				_, err := r.Render(context.Background(), rel.hr, objects)
				wantError(t, err, rel.hr.GetName(), "is not in the chart cache")
				if !errors.Is(err, ErrNotCached) {
					t.Errorf("%v is not ErrNotCached", err)
				}
				if msg := err.Error(); !strings.Contains(msg, "chart app") && !strings.Contains(msg, "chart from OCIRepository") {
					t.Errorf("%q does not name the chart", msg)
				}
			}
		})
	}
	// A cache missing one chart version: the index resolves offline, the
	// chart is missing.
	t.Run("version not cached", func(t *testing.T) {
		m, _ := filepath.Glob(filepath.Join(cache, "helm", "*", "app-1.1.0.tgz"))
		if len(m) != 1 {
			t.Fatal(m)
		}
		if err := os.Remove(m[0]); err != nil {
			t.Fatal(err)
		}
		_, err := (&Renderer{CacheDir: cache, Offline: true}).Render(context.Background(), releases[0].hr, objects)
		wantError(t, err, "http", "chart app 1.x from HelmRepository flux-system/charts")
		wantError(t, err, "http", "version 1.1.0 is not in the chart cache")
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func objectsJSON(t *testing.T, rel *Release) string {
	t.Helper()
	b, err := json.Marshal(rel.Objects)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRenderErrors: what a user can get wrong is an error naming the
// HelmRelease and the cause, on one line.
func TestRenderErrors(t *testing.T) {
	srv := newChartRepo(t, map[string][]byte{"app-1.0.0.tgz": packageChart(t, "1.0.0")})
	// A repository whose chart archive is not a chart.
	broken := newGuardedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/index.yaml":
			w.Write([]byte("apiVersion: v1\nentries:\n  app:\n    - {name: app, version: 1.0.0, apiVersion: v2, urls: [app-1.0.0.tgz]}\n"))
		case "/app-1.0.0.tgz":
			w.Write([]byte("\x1f\x8b\x08 this is not a chart archive"))
		default:
			http.NotFound(w, r)
		}
	}))
	repos := parse(t, `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: flux-system}
spec: {interval: 1h, url: `+srv.URL+`/charts}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: broken, namespace: flux-system}
spec: {interval: 1h, url: `+broken.URL+`}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: bad-values, namespace: apps}
data:
  values.yaml: "controllers: [unclosed"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: huge-values, namespace: apps}
data:
  values.yaml: "x: '`+strings.Repeat("a", MaxValuesSize)+`'"
`)
	fromRepo := func(source, chart, version string) string {
		return "chart:\n  spec:\n    chart: " + chart + "\n    version: \"" + version + "\"\n    sourceRef: {kind: HelmRepository, name: " + source + ", namespace: flux-system}\n"
	}
	for _, tc := range []struct {
		name, spec, values, want string
	}{
		{"no such source", fromRepo("missing", "app", "1.x"), appValues,
			"chart app: HelmRepository flux-system/missing not found"},
		{"no such chart", fromRepo("charts", "nope", "1.x"), appValues,
			"no chart nope in the repository index"},
		{"no such version", fromRepo("charts", "app", "3.x"), appValues,
			`no version of chart app matches "3.x" (the index has 1.0.0)`},
		{"bad constraint", fromRepo("charts", "app", "not a version"), appValues,
			`invalid version constraint "not a version"`},
		{"template error", fromRepo("charts", "app", "1.0.0"), appValues + "  ghost:\n    rules: [{backendRefs: [{identifier: ghost}]}]\n",
			`route ghost: no service "ghost"`},
		{"not a chart", fromRepo("broken", "app", "1.x"), appValues,
			"not a valid chart archive"},
		{"bad values YAML", localChartSpec + "valuesFrom: [{kind: ConfigMap, name: bad-values}]", appValues,
			`valuesFrom ConfigMap apps/bad-values key "values.yaml": invalid values YAML`},
		{"huge values", localChartSpec + "valuesFrom: [{kind: ConfigMap, name: huge-values}]", appValues,
			"more than 4194304"},
		{"bad targetPath", localChartSpec + "valuesFrom: [{kind: ConfigMap, name: bad-values, targetPath: 'a[b'}]", appValues,
			`targetPath "a[b"`},
		{"unsupported valuesFrom kind", localChartSpec + "valuesFrom: [{kind: Pod, name: x}]", appValues,
			`unsupported kind "Pod"`},
		{"no chart", "releaseName: x", appValues,
			"neither spec.chart nor spec.chartRef is set"},
		{"bad CRD policy", localChartSpec + "install: {crds: Sometimes}", appValues,
			`invalid spec.install.crds "Sometimes"`},
		{"chart not in the source", "chart:\n  spec:\n    chart: ./no/such/chart\n    sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}", appValues,
			"chart ./no/such/chart from GitRepository flux-system/flux-system"},
		{"missing HelmChart", "chartRef: {kind: HelmChart, name: app}", appValues,
			"chartRef: HelmChart apps/app not found"},
		{"missing OCIRepository", "chartRef: {kind: OCIRepository, name: app}", appValues,
			"chartRef: OCIRepository apps/app not found"},
		{"ExternalArtifact", "chartRef: {kind: ExternalArtifact, name: app}", appValues,
			"chartRef ExternalArtifact apps/app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := localRenderer()
			r.HTTPClient = srv.Client()
			_, err := r.Render(context.Background(), helmRelease(t, "web", tc.spec, tc.values), repos)
			wantError(t, err, "web", tc.want)
			t.Log(err)
		})
	}

	t.Run("kubeVersion", func(t *testing.T) {
		r := localRenderer()
		r.KubeVersion = "v1.29.4"
		_, err := r.Render(context.Background(), helmRelease(t, "web", localChartSpec, appValues), nil)
		wantError(t, err, "web", "chart requires kubeVersion: >=1.30.0-0 which is incompatible with Kubernetes v1.29.4")
		r.KubeVersion = "not-a-version"
		_, err = r.Render(context.Background(), helmRelease(t, "web", localChartSpec, appValues), nil)
		wantError(t, err, "web", `kube version "not-a-version"`)
	})
	t.Run("not a HelmRelease", func(t *testing.T) {
		_, err := localRenderer().Render(context.Background(), parse(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: apps}")[0], nil)
		wantError(t, err, "web", "not a HelmRelease")
	})
	t.Run("spec not of the HelmRelease type", func(t *testing.T) {
		hr := helmRelease(t, "web", localChartSpec, "")
		_ = unstructured.SetNestedField(hr.Object, "many", "spec", "maxHistory")
		_, err := localRenderer().Render(context.Background(), hr, nil)
		wantError(t, err, "web", "invalid HelmRelease")
	})
}

// TestRenderConcurrently shares one Renderer and cache between goroutines,
// as an audit rendering its HelmReleases in parallel would.
func TestRenderConcurrently(t *testing.T) {
	srv := newChartRepo(t, map[string][]byte{"app-1.0.0.tgz": packageChart(t, "1.0.0"), "app-1.1.0.tgz": packageChart(t, "1.1.0")})
	repo := parse(t, `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: flux-system}
spec: {interval: 1h, url: `+srv.URL+`/charts}
`)
	r := &Renderer{CacheDir: t.TempDir(), APIVersions: gatewayAPI}
	spec := "chart: {spec: {chart: app, version: 1.x, sourceRef: {kind: HelmRepository, name: charts, namespace: flux-system}}}\npostRenderers: [{kustomize: {images: [{name: registry.example.com/worker, newTag: '3'}]}}]"
	errs := make(chan error, 8)
	for i := range 8 {
		hr := helmRelease(t, "web", spec+"\nreleaseName: web"+string(rune('a'+i)), appValues)
		go func() {
			rel, err := r.Render(context.Background(), hr, repo)
			if err == nil && (rel.Version != "1.1.0" || lookup(rel, "Deployment", rel.Name+"-worker") == nil) {
				err = errors.New("wrong objects for " + rel.Name)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
