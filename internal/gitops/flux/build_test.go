package flux

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const repo = "../../../test/fixtures/flux-repo"

// buildCluster builds one cluster of the fixture repository.
func buildCluster(t *testing.T, dir string) *Result {
	t.Helper()
	found, err := FindKustomizations(repo)
	if err != nil {
		t.Fatal(err)
	}
	root := RepositoryRoot(repo, found)
	for _, c := range Clusters(root, found) {
		if c.Dir == dir {
			return Build(Options{Root: root, Known: found}, c.Roots)
		}
	}
	t.Fatalf("no cluster %s in %v", dir, Clusters(root, found))
	return nil
}

// ids lists the objects as "Kind namespace/name".
func ids(res *Result) []string {
	var out []string
	for _, o := range res.Objects {
		out = append(out, o.GetKind()+" "+o.GetNamespace()+"/"+o.GetName())
	}
	return out
}

func find(t *testing.T, res *Result, kind, namespace, name string) Object {
	t.Helper()
	for _, o := range res.Objects {
		if o.GetKind() == kind && o.GetNamespace() == namespace && o.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s %s/%s among %v", kind, namespace, name, ids(res))
	return Object{}
}

func TestTwoClustersInOneRepositoryAreFoundApart(t *testing.T) {
	found, err := FindKustomizations(repo)
	if err != nil {
		t.Fatal(err)
	}
	root := RepositoryRoot(repo, found)
	abs, _ := filepath.Abs(repo)
	if root != abs {
		t.Fatalf("root %s, want %s (the paths are relative to it, not to the enclosing checkout)", root, abs)
	}
	var got []string
	for _, c := range Clusters(root, found) {
		got = append(got, c.String())
	}
	want := []string{"clusters/home: flux-system/flux-system (path ./clusters/home)", "clusters/lab: flux-system/flux-system (path ./clusters/lab)"}
	if !slices.Equal(got, want) {
		t.Fatalf("clusters\n got %q\nwant %q", got, want)
	}
}

func TestBuildFollowsKustomizationsAsFluxDoes(t *testing.T) {
	res := buildCluster(t, "clusters/home")
	wantBuilt := []string{"flux-system/flux-system", "flux-system/infrastructure", "flux-system/apps", "flux-system/echo", "flux-system/wiki", "flux-system/jellyfin"}
	if !slices.Equal(res.Built, wantBuilt) {
		t.Errorf("built %v, want %v", res.Built, wantBuilt)
	}
	// kustomization.yaml namespace, targetNamespace and ${APP} per app.
	find(t, res, "Gateway", "network", "envoy-external")
	wiki := find(t, res, "HTTPRoute", "web", "wiki")
	hosts, _, _ := unstructured.NestedStringSlice(wiki.Object, "spec", "hostnames")
	if !slices.Equal(hosts, []string{"wiki.home.example.net"}) {
		t.Errorf("wiki hostnames %v: ${APP} from the app's Kustomization, ${SECRET_DOMAIN} from the cluster's ConfigMap", hosts)
	}
	if wiki.By != "Kustomization flux-system/wiki" {
		t.Errorf("wiki route built by %q", wiki.By)
	}
	echo := find(t, res, "HelmRelease", "web", "echo")
	if hosts, _, _ := unstructured.NestedStringSlice(echo.Object["spec"].(map[string]any)["values"].(map[string]any)["route"].(map[string]any)["main"].(map[string]any), "hostnames"); !slices.Equal(hosts, []string{"echo.home.example.net"}) {
		t.Errorf("echo's values not substituted: %v", hosts)
	}
	gw := find(t, res, "Gateway", "network", "envoy-internal")
	addrs, _, _ := unstructured.NestedSlice(gw.Object, "spec", "addresses")
	if len(addrs) != 1 || addrs[0].(map[string]any)["value"] != "192.168.10.80" {
		t.Errorf("envoy-internal addresses %v", addrs)
	}
	// The Secret of substituteFrom is encrypted: said, not guessed.
	if !hasProblem(res, "Kustomization flux-system/apps", "cluster-secrets is encrypted") {
		t.Errorf("problems %v", res.Problems)
	}
	// The templates directory is in no build.
	for _, id := range ids(res) {
		if strings.Contains(id, "{{") {
			t.Errorf("a template was read: %s", id)
		}
	}
}

func TestEachClusterGetsItsOwnSettingsAndPatches(t *testing.T) {
	lab := buildCluster(t, "clusters/lab")
	wiki := find(t, lab, "HTTPRoute", "web", "wiki")
	hosts, _, _ := unstructured.NestedStringSlice(wiki.Object, "spec", "hostnames")
	if !slices.Equal(hosts, []string{"wiki.lab.example.net"}) {
		t.Errorf("lab wiki hostnames %v", hosts)
	}
	gw := find(t, lab, "Gateway", "network", "envoy-external")
	from, _, _ := unstructured.NestedString(gw.Object["spec"].(map[string]any)["listeners"].([]any)[0].(map[string]any), "allowedRoutes", "namespaces", "from")
	if from != "Same" {
		t.Errorf("the lab's patch was not applied: from %q", from)
	}
	for _, id := range ids(lab) {
		if strings.Contains(id, "jellyfin") {
			t.Errorf("the home cluster's app is in the lab: %s", id)
		}
	}
	missing := Namespaces(lab.Objects)
	var got []string
	for _, o := range missing {
		got = append(got, o.GetKind()+" "+o.GetName())
	}
	if !slices.Equal(got, []string{"Deployment whoami", "Service whoami"}) {
		t.Errorf("objects without a namespace %v", got)
	}
	inv := find(t, lab, "NetworkInventory", "", "cluster")
	if inv.GetNamespace() != "" {
		t.Errorf("a cluster-scoped object keeps the namespace kustomize gave it")
	}
}

func hasProblem(res *Result, subject, message string) bool {
	for _, p := range res.Problems {
		if strings.HasPrefix(p.Subject, subject) && strings.Contains(p.Message, message) {
			return true
		}
	}
	return false
}

// writeRepo writes files (path -> content) under a temporary directory.
func writeRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func ks(name, path string, extra string) string {
	return `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ` + name + `
  namespace: flux-system
spec:
  path: ` + path + `
  sourceRef:
    kind: GitRepository
    name: flux-system
` + extra + "---\n"
}

func TestWhatCannotBeBuiltIsSaidAndTheRestBuilt(t *testing.T) {
	dir := writeRepo(t, map[string]string{
		"clusters/c/sync.yaml": ks("flux-system", "./clusters/c", "") +
			ks("missing", "./nowhere", "") +
			ks("escapes", "../../../etc", "") +
			ks("broken", "./broken", "") +
			ks("paused", "./ok", "  suspend: true\n") +
			ks("elsewhere", "./ok", "") + strings.Replace(ks("other-source", "./ok", ""), "name: flux-system\n---", "name: another-repo\n---", 1) +
			ks("cycle", "./clusters/c", "") +
			ks("malformed", "[./ok]", "  interval: {not: a duration}\n") +
			ks("ok", "./ok", "  targetNamespace: apps\n"),
		"broken/kustomization.yaml": "resources: [does-not-exist.yaml]\n",
		"ok/cm.yaml":                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
	})
	found, err := FindKustomizations(dir)
	if err != nil {
		t.Fatal(err)
	}
	clusters := Clusters(dir, found)
	if len(clusters) != 1 {
		t.Fatalf("clusters %v", clusters)
	}
	res := Build(Options{Root: dir}, clusters[0].Roots)
	for _, want := range []struct{ subject, message string }{
		{"Kustomization flux-system/missing", "path ./nowhere is not a directory"},
		{"Kustomization flux-system/escapes", "leaves the repository"},
		{"Kustomization flux-system/broken", "kustomize build of ./broken failed"},
		{"Kustomization flux-system/paused", "suspended"},
		{"Kustomization flux-system/other-source", "builds from GitRepository another-repo"},
		{"Kustomization flux-system/malformed", "not a valid Kustomization"},
	} {
		if !hasProblem(res, want.subject, want.message) {
			t.Errorf("no problem %q for %s in %v", want.message, want.subject, res.Problems)
		}
	}
	// "ok" gives the ConfigMap a namespace, "elsewhere" builds the same
	// path without one: two objects.
	find(t, res, "ConfigMap", "apps", "a")
	find(t, res, "ConfigMap", "", "a")
	// "cycle" builds the cluster's directory again: every object twice, said once.
	if !hasProblem(res, "Kustomization flux-system/cycle", "objects are applied by Kustomization flux-system/flux-system too") {
		t.Errorf("problems %v", res.Problems)
	}
	n := 0
	for _, p := range res.Problems {
		if strings.Contains(p.Message, "applied by") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d problems about objects applied twice, want one", n)
	}
}

func TestSubstitutionFollowsFlux(t *testing.T) {
	dir := writeRepo(t, map[string]string{
		"clusters/c/sync.yaml": ks("flux-system", "./clusters/c", "") +
			ks("app", "./app", "  postBuild:\n    substitute:\n      NAME: web\n    substituteFrom:\n      - {kind: ConfigMap, name: late}\n      - {kind: ConfigMap, name: absent, optional: true}\n") +
			ks("plain", "./plain", ""),
		"clusters/c/z-late.yaml": ks("settings", "./settings", ""),
		"settings/cm.yaml":       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late, namespace: flux-system}\ndata: {DOMAIN: example.org, NAME: overridden}\n",
		"app/svc.yaml": `apiVersion: v1
kind: Service
metadata:
  name: ${NAME}
  namespace: apps
  annotations:
    host: ${NAME}.${DOMAIN}
    fallback: ${UNSET:=dflt}
    empty: "x${UNSET}"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: raw
  namespace: apps
  labels:
    kustomize.toolkit.fluxcd.io/substitute: disabled
data:
  script: echo ${HOME}
`,
		"plain/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: '${NAME}', namespace: apps}\n",
	})
	found, _ := FindKustomizations(dir)
	res := Build(Options{Root: dir}, Clusters(dir, found)[0].Roots)
	svc := find(t, res, "Service", "apps", "web")
	ann := svc.GetAnnotations()
	if ann["host"] != "web.example.org" || ann["fallback"] != "dflt" || ann["empty"] != "x" {
		t.Errorf("annotations %v: inline values win over the ConfigMap's, defaults apply, an unset variable is emptied as Flux does", ann)
	}
	raw := find(t, res, "ConfigMap", "apps", "raw")
	if data, _, _ := unstructured.NestedString(raw.Object, "data", "script"); data != "echo ${HOME}" {
		t.Errorf("substitution not disabled: %q", data)
	}
	// Without postBuild, Flux substitutes nothing.
	find(t, res, "Service", "apps", "${NAME}")
}

func TestComponentsAndImagesApplyAsInFlux(t *testing.T) {
	dir := writeRepo(t, map[string]string{
		"clusters/c/sync.yaml": ks("flux-system", "./clusters/c", "") +
			ks("app", "./app", "  targetNamespace: shop\n  namePrefix: prod-\n  components: [../components/public]\n"+
				"  images:\n    - {name: web, newTag: \"2.0\"}\n"+
				"  patches:\n    - target: {kind: Service}\n      patch: |\n        - {op: add, path: /metadata/annotations, value: {patched: \"yes\"}}\n"),
		"app/kustomization.yaml": "resources: [web.yaml]\n",
		"app/web.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web:1.0}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
`,
		"components/public/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
  - target: {kind: Service}
    patch: |
      - {op: add, path: /spec/type, value: LoadBalancer}
`,
	})
	found, _ := FindKustomizations(dir)
	res := Build(Options{Root: dir, Known: found}, Clusters(dir, found)[0].Roots)
	if len(res.Problems) != 0 {
		t.Fatalf("problems %v", res.Problems)
	}
	svc := find(t, res, "Service", "shop", "prod-web")
	if typ, _, _ := unstructured.NestedString(svc.Object, "spec", "type"); typ != "LoadBalancer" || svc.GetAnnotations()["patched"] != "yes" {
		t.Errorf("the component or the patch was not applied: %v", svc.Object)
	}
	deploy := find(t, res, "Deployment", "shop", "prod-web")
	containers, _, _ := unstructured.NestedSlice(deploy.Object, "spec", "template", "spec", "containers")
	if image := containers[0].(map[string]any)["image"]; image != "web:2.0" {
		t.Errorf("image %v, want web:2.0", image)
	}
}
