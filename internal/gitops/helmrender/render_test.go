package helmrender

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// repoRoot is the root of this repository: the "repository being audited"
// of the local-source tests.
var repoRoot = filepath.Join("..", "..", "..")

// gatewayAPI is what the audit passes as extra capabilities when the build
// has Gateway API objects.
var gatewayAPI = []string{"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1/HTTPRoute"}

// appValues make the fixture chart render two Deployments, a Service and an
// HTTPRoute with two rules.
const appValues = `
controllers:
  main:
    containers:
      app:
        image: {repository: registry.example.com/app, tag: "1.2.3"}
        ports: {http: 8080}
  worker:
    containers:
      worker:
        image: {repository: registry.example.com/worker}
service:
  main:
    ports:
      http: {port: 80, targetPort: 8080}
      metrics: {port: 9090}
route:
  main:
    hostnames: ["{{ .Release.Name }}.example.com", "app.example.com"]
    parentRefs: [{name: gateway, namespace: network, sectionName: https}]
    rules:
      - matches: [{path: {type: PathPrefix, value: /}}]
        backendRefs: [{identifier: main, port: http}]
      - matches: [{path: {type: PathPrefix, value: /metrics}}]
        backendRefs: [{port: 9090}]
`

// parse parses YAML documents into objects.
func parse(t *testing.T, text string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	for _, doc := range strings.Split(text, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		j, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatalf("%v in\n%s", err, doc)
		}
		var m map[string]any
		if err := utiljson.Unmarshal(j, &m); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
	return objs
}

// helmRelease is a HelmRelease apps/<name> with the given spec (YAML) and
// values (YAML, may be empty).
func helmRelease(t *testing.T, name, spec, values string) *unstructured.Unstructured {
	t.Helper()
	hr := parse(t, "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: "+name+", namespace: apps}\nspec:\n  interval: 10m\n"+indent(spec, "  "))[0]
	if values != "" {
		v := parse(t, values)[0].Object
		if err := unstructured.SetNestedField(hr.Object, v, "spec", "values"); err != nil {
			t.Fatal(err)
		}
	}
	return hr
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}

// localChartSpec is a spec.chart taking the fixture chart from the
// repository being audited.
const localChartSpec = `
chart:
  spec:
    chart: ./test/fixtures/flux-repo/charts/app
    sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
`

// localRenderer reads GitRepository flux-system/flux-system from repoRoot.
func localRenderer() *Renderer {
	return &Renderer{
		APIVersions: gatewayAPI,
		LocalSource: func(kind, namespace, name string) (string, bool) {
			if kind == "GitRepository" && namespace == "flux-system" && name == "flux-system" {
				return repoRoot, true
			}
			return "", false
		},
	}
}

func render(t *testing.T, r *Renderer, hr *unstructured.Unstructured, objects ...*unstructured.Unstructured) *Release {
	t.Helper()
	rel, err := r.Render(context.Background(), hr, objects)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

// find returns the object of a kind and name, failing the test without it.
func find(t *testing.T, rel *Release, kind, name string) *unstructured.Unstructured {
	t.Helper()
	if o := lookup(rel, kind, name); o != nil {
		return o
	}
	t.Fatalf("no %s %s among %v", kind, name, names(rel))
	return nil
}

func lookup(rel *Release, kind, name string) *unstructured.Unstructured {
	for _, o := range rel.Objects {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

func names(rel *Release) []string {
	var ns []string
	for _, o := range rel.Objects {
		ns = append(ns, o.GetKind()+" "+o.GetName())
	}
	return ns
}

func field(t *testing.T, o *unstructured.Unstructured, path ...string) any {
	t.Helper()
	v, found, err := unstructured.NestedFieldNoCopy(o.Object, path...)
	if err != nil || !found {
		t.Fatalf("%s %s: no %s (%v)", o.GetKind(), o.GetName(), strings.Join(path, "."), err)
	}
	return v
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Errorf("%s = %s, want %s", what, gj, wj)
	}
}

// checkApp checks the objects appValues render to for a release named
// name, from the chart version.
func checkApp(t *testing.T, rel *Release, name, version string) {
	t.Helper()
	equal(t, "chart version", rel.Version, version)
	for _, o := range rel.Objects {
		if o.GetNamespace() != "" {
			t.Errorf("%s %s has namespace %q; the chart sets none", o.GetKind(), o.GetName(), o.GetNamespace())
		}
	}
	crd := find(t, rel, "CustomResourceDefinition", "widgets.example.com")
	if rel.Objects[0] != crd {
		t.Errorf("the CRD is not first: %v", names(rel))
	}

	main := find(t, rel, "Deployment", name)
	equal(t, "Deployment labels", main.GetLabels(), map[string]string{
		"helm.sh/chart":                    "app-" + version,
		"app.kubernetes.io/managed-by":     "Helm",
		"app.kubernetes.io/name":           "app",
		"app.kubernetes.io/instance":       name,
		"app.kubernetes.io/controller":     "main",
		"helm.toolkit.fluxcd.io/name":      "web",
		"helm.toolkit.fluxcd.io/namespace": "apps",
	})
	selector := map[string]any{
		"app.kubernetes.io/name":       "app",
		"app.kubernetes.io/instance":   name,
		"app.kubernetes.io/controller": "main",
	}
	equal(t, "Deployment selector", field(t, main, "spec", "selector", "matchLabels"), selector)
	equal(t, "Deployment pod labels", field(t, main, "spec", "template", "metadata", "labels"), selector)
	equal(t, "Deployment containers", field(t, main, "spec", "template", "spec", "containers"), []any{map[string]any{
		"name":  "app",
		"image": "registry.example.com/app:1.2.3",
		"ports": []any{map[string]any{"name": "http", "containerPort": int64(8080), "protocol": "TCP"}},
	}})
	worker := find(t, rel, "Deployment", name+"-worker")
	equal(t, "worker image (the chart's appVersion)", field(t, worker, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["image"], "registry.example.com/worker:2.4.1")

	svc := find(t, rel, "Service", name)
	equal(t, "Service selector", field(t, svc, "spec", "selector"), selector)
	equal(t, "Service ports", field(t, svc, "spec", "ports"), []any{
		map[string]any{"name": "http", "port": int64(80), "targetPort": int64(8080), "protocol": "TCP"},
		map[string]any{"name": "metrics", "port": int64(9090), "targetPort": int64(9090), "protocol": "TCP"},
	})

	route := find(t, rel, "HTTPRoute", name)
	equal(t, "HTTPRoute apiVersion", route.GetAPIVersion(), "gateway.networking.k8s.io/v1")
	equal(t, "HTTPRoute hostnames", field(t, route, "spec", "hostnames"), []any{name + ".example.com", "app.example.com"})
	equal(t, "HTTPRoute parentRefs", field(t, route, "spec", "parentRefs"), []any{map[string]any{
		"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gateway", "namespace": "network", "sectionName": "https",
	}})
	rules := field(t, route, "spec", "rules").([]any)
	if len(rules) != 2 {
		t.Fatalf("HTTPRoute rules: %v", rules)
	}
	equal(t, "rule 0 backendRefs", rules[0].(map[string]any)["backendRefs"], []any{map[string]any{"kind": "Service", "name": name, "port": int64(80)}})
	equal(t, "rule 1 backendRefs", rules[1].(map[string]any)["backendRefs"], []any{map[string]any{"kind": "Service", "name": name, "port": int64(9090)}})
	equal(t, "rule 1 matches", rules[1].(map[string]any)["matches"], []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": "/metrics"}}})
}

func TestRenderHelmRepositoryHTTP(t *testing.T) {
	srv := newChartRepo(t, map[string][]byte{
		"app-1.0.0.tgz":      packageChart(t, "1.0.0"),
		"app-1.1.0.tgz":      packageChart(t, "1.1.0"),
		"app-1.2.0-rc.1.tgz": packageChart(t, "1.2.0-rc.1"),
	})
	repo := parse(t, `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: flux-system}
spec: {interval: 1h, url: `+srv.URL+`/charts}
`)[0]
	for _, tc := range []struct{ constraint, want string }{
		{"1.x", "1.1.0"},
		{"", "1.1.0"}, // the latest stable version
		{"*", "1.1.0"},
		{"~1.0", "1.0.0"},
		{"1.0.0", "1.0.0"},
		{"1.2.0-rc.1", "1.2.0-rc.1"},
		{">=1.2.0-0", "1.2.0-rc.1"},
	} {
		t.Run(tc.constraint, func(t *testing.T) {
			spec := `
chart:
  spec:
    chart: app
    version: "` + tc.constraint + `"
    sourceRef: {kind: HelmRepository, name: charts, namespace: flux-system}
`
			r := &Renderer{APIVersions: gatewayAPI}
			rel := render(t, r, helmRelease(t, "web", spec, appValues), repo)
			equal(t, "release", [2]string{rel.Name, rel.Namespace}, [2]string{"web", "apps"})
			checkApp(t, rel, "web", tc.want)
			if len(rel.Warnings) != 0 {
				t.Errorf("warnings: %q", rel.Warnings)
			}
		})
	}
}

func TestRenderHelmRepositoryOCI(t *testing.T) {
	reg := newRegistry(t)
	pushChart(t, packageChart(t, "1.0.0"), reg.host()+"/charts/app:1.0.0", true)
	pushChart(t, packageChart(t, "1.1.0"), reg.host()+"/charts/app:1.1.0", true)
	repo := parse(t, `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: oci-charts, namespace: flux-system}
spec: {interval: 1h, type: oci, url: "oci://`+reg.host()+`/charts"}
`)[0]
	for _, tc := range []struct{ constraint, want string }{
		{"1.0.x", "1.0.0"},
		{"", "1.1.0"},
		{"1.1.0", "1.1.0"},
	} {
		t.Run(tc.constraint, func(t *testing.T) {
			spec := `
chart:
  spec:
    chart: app
    version: "` + tc.constraint + `"
    sourceRef: {kind: HelmRepository, name: oci-charts, namespace: flux-system}
`
			rel := render(t, &Renderer{APIVersions: gatewayAPI}, helmRelease(t, "web", spec, appValues), repo)
			checkApp(t, rel, "web", tc.want)
		})
	}
}

func TestRenderOCIRepository(t *testing.T) {
	reg := newRegistry(t)
	digest100 := pushChart(t, packageChart(t, "1.0.0"), reg.host()+"/charts/app:1.0.0", true)
	pushChart(t, packageChart(t, "1.1.0"), reg.host()+"/charts/app:1.1.0", true)
	pushChart(t, packageChart(t, "1.1.0"), reg.host()+"/charts/app:latest", false)
	pushChart(t, packageChart(t, "2.0.0"), reg.host()+"/charts/app:2.0.0", true)
	hr := helmRelease(t, "web", `chartRef: {kind: OCIRepository, name: app, namespace: flux-system}`, appValues)
	for _, tc := range []struct{ name, ref, want string }{
		{"tag", `{tag: 1.0.0}`, "1.0.0"},
		{"semver", `{semver: "1.x"}`, "1.1.0"},
		{"semver range", `{semver: ">=1.0.0 <1.1.0"}`, "1.0.0"},
		{"semver filter", `{semver: "*", semverFilter: "^1\\."}`, "1.1.0"},
		{"default tag latest", `{}`, "1.1.0"},
		{"digest", `{digest: "` + digest100 + `", tag: 2.0.0}`, "1.0.0"}, // the digest wins
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := parse(t, `
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: app, namespace: flux-system}
spec:
  interval: 1h
  url: oci://`+reg.host()+`/charts/app
  ref: `+tc.ref+`
  layerSelector: {mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip, operation: copy}
`)[0]
			checkApp(t, render(t, &Renderer{APIVersions: gatewayAPI}, hr, src), "web", tc.want)
		})
	}
	t.Run("no layer of the media type", func(t *testing.T) {
		src := parse(t, `
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: app, namespace: flux-system}
spec:
  interval: 1h
  url: oci://`+reg.host()+`/charts/app
  ref: {tag: 1.0.0}
  layerSelector: {mediaType: application/vnd.example.other}
`)[0]
		_, err := (&Renderer{}).Render(context.Background(), hr, []*unstructured.Unstructured{src})
		wantError(t, err, "web", "no layer of media type application/vnd.example.other")
	})
}

func TestRenderHelmChartRefWithValuesFiles(t *testing.T) {
	srv := newChartRepo(t, map[string][]byte{"app-1.0.0.tgz": packageChart(t, "1.0.0")})
	objects := parse(t, `
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: apps}
spec: {interval: 1h, url: `+srv.URL+`/charts/}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmChart
metadata: {name: app, namespace: apps}
spec:
  interval: 1h
  chart: app
  version: 1.0.0
  sourceRef: {kind: HelmRepository, name: charts}
  valuesFiles: [values.yaml, ci/ha-values.yaml]
`)
	hr := helmRelease(t, "web", `chartRef: {kind: HelmChart, name: app}`, appValues)
	rel := render(t, &Renderer{APIVersions: gatewayAPI}, hr, objects...)
	checkApp(t, rel, "web", "1.0.0")
	equal(t, "replicas from ci/ha-values.yaml", field(t, find(t, rel, "Deployment", "web"), "spec", "replicas"), int64(3))

	// Without values files the chart's own values.yaml: 1 replica.
	unstructured.RemoveNestedField(objects[1].Object, "spec", "valuesFiles")
	rel = render(t, &Renderer{APIVersions: gatewayAPI}, hr, objects...)
	equal(t, "replicas", field(t, find(t, rel, "Deployment", "web"), "spec", "replicas"), int64(1))

	// A missing values file is an error, unless ignored.
	_ = unstructured.SetNestedStringSlice(objects[1].Object, []string{"values.yaml", "ci/missing.yaml"}, "spec", "valuesFiles")
	_, err := (&Renderer{}).Render(context.Background(), hr, objects)
	wantError(t, err, "web", "no values file ci/missing.yaml")
	_ = unstructured.SetNestedField(objects[1].Object, true, "spec", "ignoreMissingValuesFiles")
	render(t, &Renderer{}, hr, objects...)
}

func TestRenderGitRepositoryLocalChart(t *testing.T) {
	spec := localChartSpec + `    valuesFiles: [test/fixtures/flux-repo/charts/app/values.yaml, test/fixtures/flux-repo/charts/app/ci/ha-values.yaml]`
	rel := render(t, localRenderer(), helmRelease(t, "web", spec, appValues))
	checkApp(t, rel, "web", "1.0.0")
	equal(t, "replicas from the values file at the repository's root", field(t, find(t, rel, "Deployment", "web"), "spec", "replicas"), int64(3))

	// Another GitRepository is not available.
	other := parse(t, `
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: upstream, namespace: flux-system}
spec: {interval: 1h, url: "https://git.example.com/upstream.git"}
`)[0]
	hr := helmRelease(t, "web", `
chart:
  spec:
    chart: ./charts/app
    sourceRef: {kind: GitRepository, name: upstream, namespace: flux-system}
`, "")
	_, err := localRenderer().Render(context.Background(), hr, []*unstructured.Unstructured{other})
	wantError(t, err, "web", "GitRepository flux-system/upstream is not the repository being audited")
	if !errors.Is(err, ErrSourceNotAvailable) {
		t.Errorf("%v is not ErrSourceNotAvailable", err)
	}
}

func TestRenderLocalOCIRepositoryAndBucket(t *testing.T) {
	r := &Renderer{
		APIVersions: gatewayAPI,
		LocalSource: func(kind, namespace, name string) (string, bool) {
			switch kind + " " + namespace + "/" + name {
			case "OCIRepository flux-system/app": // the artifact is the chart
				return fixtureChart, true
			case "Bucket apps/charts":
				return filepath.Join(repoRoot, "test", "fixtures", "flux-repo"), true
			}
			return "", false
		},
	}
	rel := render(t, r, helmRelease(t, "web", "chartRef: {kind: OCIRepository, name: app, namespace: flux-system}", appValues))
	checkApp(t, rel, "web", "1.0.0")
	rel = render(t, r, helmRelease(t, "web", "chart: {spec: {chart: charts/app, sourceRef: {kind: Bucket, name: charts}}}", appValues))
	checkApp(t, rel, "web", "1.0.0")

	// An older apiVersion is read as v2, with a warning.
	hr := helmRelease(t, "web", "chart: {spec: {chart: charts/app, sourceRef: {kind: Bucket, name: charts}}}", appValues)
	hr.SetAPIVersion("helm.toolkit.fluxcd.io/v2beta2")
	rel = render(t, r, hr)
	checkApp(t, rel, "web", "1.0.0")
	equal(t, "warnings", rel.Warnings, []string{"helm.toolkit.fluxcd.io/v2beta2 is read as helm.toolkit.fluxcd.io/v2: its fields that v2 does not have are ignored"})
}

func TestRenderWarnsOfMissingDependencies(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"Chart.yaml":               "apiVersion: v2\nname: umbrella\nversion: 0.1.0\ndependencies:\n  - {name: postgresql, version: 16.x, repository: https://charts.example.com}\n",
		"templates/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: '{{ .Release.Name }}-config'}\n",
		"charts/.gitkeep":          "",
	}
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := &Renderer{LocalSource: func(kind, namespace, name string) (string, bool) { return dir, kind == "GitRepository" }}
	rel := render(t, r, helmRelease(t, "web", "chart: {spec: {chart: ., sourceRef: {kind: GitRepository, name: repo}}}", ""))
	find(t, rel, "ConfigMap", "web-config")
	if len(rel.Warnings) != 1 || !strings.Contains(rel.Warnings[0], "chart umbrella 0.1.0") || !strings.Contains(rel.Warnings[0], "postgresql") {
		t.Errorf("warnings: %q", rel.Warnings)
	}
}

func TestRenderValuesFrom(t *testing.T) {
	objects := parse(t, `
apiVersion: v1
kind: ConfigMap
metadata: {name: base, namespace: apps}
data:
  values.yaml: |
    controllers:
      main:
        replicas: 2
        containers:
          app:
            image: {repository: registry.example.com/from-configmap, tag: "1.0"}
    service:
      main:
        ports: {http: {port: 80}}
    route:
      main:
        hostnames: [base.example.com, other.example.com]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: extra, namespace: apps}
data:
  extra.yaml: |
    route:
      main:
        hostnames: [extra.example.com]
  tag: "'007'"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: elsewhere, namespace: other}
data:
  values.yaml: "controllers: {main: {replicas: 9}}"
`)
	spec := localChartSpec + `
valuesFrom:
  - {kind: ConfigMap, name: base}
  - {kind: ConfigMap, name: extra, valuesKey: extra.yaml}
  - {kind: ConfigMap, name: extra, valuesKey: tag, targetPath: controllers.main.containers.app.image.tag}
  - {kind: ConfigMap, name: absent-but-optional, optional: true}
  - {kind: ConfigMap, name: absent}
  - {kind: ConfigMap, name: extra, valuesKey: nokey}
  - {kind: ConfigMap, name: elsewhere}
`
	rel := render(t, localRenderer(), helmRelease(t, "web", spec, `controllers: {main: {replicas: 5}}`), objects...)
	d := find(t, rel, "Deployment", "web")
	equal(t, "replicas (spec.values over valuesFrom)", field(t, d, "spec", "replicas"), int64(5))
	equal(t, "image (targetPath over the document, quoted: a string)",
		field(t, d, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["image"], "registry.example.com/from-configmap:007")
	equal(t, "hostnames (the later document's list replaces the earlier)",
		field(t, find(t, rel, "HTTPRoute", "web"), "spec", "hostnames"), []any{"extra.example.com"})
	equal(t, "warnings", rel.Warnings, []string{
		"valuesFrom ConfigMap apps/absent not found: its values are missing",
		`valuesFrom ConfigMap apps/extra has no key "nokey": its values are missing`,
		"valuesFrom ConfigMap apps/elsewhere not found: its values are missing",
	})
}

func TestRenderSecretValuesFrom(t *testing.T) {
	secret := parse(t, `
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: apps}
stringData:
  values.yaml: "controllers: {main: {replicas: 9}}"
`)[0]
	spec := localChartSpec + `
valuesFrom:
  - {kind: Secret, name: creds}
  - {kind: Secret, name: optional-creds, optional: true}
`
	rel := render(t, localRenderer(), helmRelease(t, "web", spec, appValues), secret)
	equal(t, "warnings", rel.Warnings, []string{
		"valuesFrom Secret apps/creds not read (Secrets are not read, in a repository they are encrypted): its values are missing",
	})
	equal(t, "replicas (the Secret's values are not used)", field(t, find(t, rel, "Deployment", "web"), "spec", "replicas"), int64(1))
}

func TestReleaseNaming(t *testing.T) {
	long := "a-rather-long-target-namespace-prod-a-rather-long-helmrelease"
	sum := sha256.Sum256([]byte(long))
	shortened := long[:40] + "-" + hex.EncodeToString(sum[:])[:12]
	for _, tc := range []struct {
		name, spec, wantName, wantNamespace string
	}{
		{"web", "", "web", "apps"},
		{"web", "releaseName: custom", "custom", "apps"},
		{"web", "targetNamespace: prod", "prod-web", "prod"},
		{"web", "targetNamespace: prod\nreleaseName: custom", "custom", "prod"},
		{"a-rather-long-helmrelease", "targetNamespace: a-rather-long-target-namespace-prod", shortened, "a-rather-long-target-namespace-prod"},
		{"w", "releaseName: " + strings.Repeat("x", 53), strings.Repeat("x", 53), "apps"},
	} {
		t.Run(tc.wantName, func(t *testing.T) {
			rel := render(t, localRenderer(), helmRelease(t, tc.name, localChartSpec+tc.spec, appValues))
			equal(t, "release", [2]string{rel.Name, rel.Namespace}, [2]string{tc.wantName, tc.wantNamespace})
			if len(rel.Name) > 53 {
				t.Errorf("release name %q is longer than 53", rel.Name)
			}
			// The chart names its objects after the release, in its namespace.
			svc := find(t, rel, "Service", tc.wantName)
			equal(t, "instance label", svc.GetLabels()["app.kubernetes.io/instance"], tc.wantName)
			equal(t, "origin label", svc.GetLabels()["helm.toolkit.fluxcd.io/name"], tc.name)
		})
	}
	if len(shortened) != 53 {
		t.Fatalf("bad test: %q", shortened)
	}
}

func TestRenderHooksAndCRDs(t *testing.T) {
	values := appValues + "hooks: {enabled: true}\n"
	rel := render(t, localRenderer(), helmRelease(t, "web", localChartSpec, values))
	kept := find(t, rel, "ConfigMap", "web-installed")
	equal(t, "hook annotation", kept.GetAnnotations()["helm.sh/hook"], "post-install")
	if rel.Objects[len(rel.Objects)-1] != kept {
		t.Errorf("the hook is not last: %v", names(rel))
	}
	for _, gone := range [][2]string{{"Job", "web-migrate"}, {"Pod", "web-test"}} {
		if lookup(rel, gone[0], gone[1]) != nil {
			t.Errorf("%s %s is rendered: deleted on success or a test hook", gone[0], gone[1])
		}
	}
	find(t, rel, "CustomResourceDefinition", "widgets.example.com")

	rel = render(t, localRenderer(), helmRelease(t, "web", localChartSpec+"install: {disableHooks: true, crds: Skip}", values))
	if o := lookup(rel, "ConfigMap", "web-installed"); o != nil {
		t.Error("a hook is rendered with install.disableHooks")
	}
	if o := lookup(rel, "CustomResourceDefinition", "widgets.example.com"); o != nil {
		t.Error("a CRD is rendered with install.crds: Skip")
	}
	find(t, rel, "Deployment", "web")
}

func TestRenderCommonMetadataAndCapabilities(t *testing.T) {
	spec := localChartSpec + `
commonMetadata:
  labels: {team: payments, app.kubernetes.io/managed-by: flux}
  annotations: {owner: "payments@example.com"}
`
	r := localRenderer()
	r.APIVersions = nil // no Gateway API v1 in the cluster: the chart falls back to v1beta1
	rel := render(t, r, helmRelease(t, "web", spec, appValues))
	for _, o := range rel.Objects {
		l := o.GetLabels()
		if l["helm.toolkit.fluxcd.io/name"] != "web" || l["helm.toolkit.fluxcd.io/namespace"] != "apps" {
			t.Errorf("%s %s: origin labels %v", o.GetKind(), o.GetName(), l)
		}
		if o.GetKind() == "CustomResourceDefinition" {
			continue
		}
		if l["team"] != "payments" || l["app.kubernetes.io/managed-by"] != "flux" || o.GetAnnotations()["owner"] != "payments@example.com" {
			t.Errorf("%s %s: common metadata not set: %v %v", o.GetKind(), o.GetName(), l, o.GetAnnotations())
		}
	}
	// Only metadata is labelled, not the selectors.
	equal(t, "Service selector", field(t, find(t, rel, "Service", "web"), "spec", "selector", "app.kubernetes.io/controller"), "main")
	if _, found, _ := unstructured.NestedString(find(t, rel, "Deployment", "web").Object, "spec", "template", "metadata", "labels", "team"); found {
		t.Error("the pod template is labelled")
	}
	equal(t, "HTTPRoute apiVersion", find(t, rel, "HTTPRoute", "web").GetAPIVersion(), "gateway.networking.k8s.io/v1beta1")
}

func TestRenderPostRenderers(t *testing.T) {
	postRenderers := `
postRenderers:
  - kustomize:
      images: [{name: registry.example.com/app, newTag: "9.9"}]
      patches:
        - target: {kind: Service, name: web}
          patch: |
            - {op: replace, path: /spec/type, value: LoadBalancer}
  - kustomize:
      patches:
        - target: {labelSelector: app.kubernetes.io/instance=web}
          patch: |
            apiVersion: v1
            kind: Any
            metadata: {name: any, annotations: {patched: "yes"}}
`
	values := appValues + "hooks: {enabled: true}\n"
	for _, strategy := range []string{"", "combined", "separate", "nohooks"} {
		t.Run(strategy, func(t *testing.T) {
			spec := localChartSpec + postRenderers
			if strategy != "" {
				spec += "postRenderStrategy: " + strategy + "\n"
			}
			rel := render(t, localRenderer(), helmRelease(t, "web", spec, values))
			equal(t, "image", field(t, find(t, rel, "Deployment", "web"), "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["image"], "registry.example.com/app:9.9")
			svc := find(t, rel, "Service", "web")
			equal(t, "Service type", field(t, svc, "spec", "type"), "LoadBalancer")
			equal(t, "Service annotation", svc.GetAnnotations()["patched"], "yes")
			if lookup(rel, "Job", "web-migrate") != nil || lookup(rel, "Pod", "web-test") != nil {
				t.Errorf("hooks that do not remain after the install: %v", names(rel))
			}
			hook := find(t, rel, "ConfigMap", "web-installed")
			want := "yes"
			if strategy == "nohooks" {
				want = ""
			}
			equal(t, "hook annotation", hook.GetAnnotations()["patched"], want)
			if len(rel.Warnings) != 0 {
				t.Errorf("warnings: %q", rel.Warnings)
			}
		})
	}
	// A patch that does not apply is an error naming the post-renderer.
	bad := localChartSpec + `
postRenderers:
  - kustomize:
      patches:
        - target: {kind: Service}
          patch: |
            - {op: replace, path: /spec/nothing/here, value: 1}
`
	_, err := localRenderer().Render(context.Background(), helmRelease(t, "web", bad, appValues), nil)
	wantError(t, err, "web", "spec.postRenderers[0]")
}

// wantError checks that err is an *Error of HelmRelease apps/<name>, on one
// line, and says want.
func wantError(t *testing.T, err error, name, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", want)
	}
	var e *Error
	if !errors.As(err, &e) || e.Namespace != "apps" || e.Name != name {
		t.Errorf("%v (%T) is not an *Error of apps/%s", err, err, name)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "HelmRelease apps/"+name+": ") {
		t.Errorf("%q does not start with the HelmRelease", msg)
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("%q is not one line", msg)
	}
	if !strings.Contains(msg, want) {
		t.Errorf("%q does not say %q", msg, want)
	}
}
