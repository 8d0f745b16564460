package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: app}\n"

// TestAuditFailsClosedWithoutObjects: with nothing to audit the audit never
// passes, even when unreadable documents are skipped.
func TestAuditFailsClosedWithoutObjects(t *testing.T) {
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "notes.txt"), []byte(namespace), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, stdin, path, want string
	}{
		{"empty stdin", "", "-", "no Kubernetes object in -"},
		{"comments only", "# nothing\n---\n\n", "-", "no Kubernetes object in -"},
		{"garbage", "{{{ not: [yaml\n", "-", "unreadable"},
		{"words", "just a sentence\n", "-", "unreadable"},
		{"not Kubernetes", "replicas: 3\nimage: {tag: v1}\n", "-", "no Kubernetes object in -"},
		{"empty List", "apiVersion: v1\nkind: List\nitems: []\n", "-", "no Kubernetes object in -"},
		{"no manifest file", "", empty, "no .yaml, .yml or .json file"},
		{"all broken", "kind: Service\n---\napiVersion: v1\nkind: Service\nmetadata: {name: [x\n", "-", "unreadable"},
	} {
		for _, skip := range []bool{false, true} {
			args := []string{"audit", "-f", tt.path, "--fail-on", "none"}
			if skip {
				args = append(args, "--skip-unreadable")
			}
			out, errOut, code := run(t, tt.stdin, args...)
			want := tt.want
			if skip {
				want = "no Kubernetes object"
			}
			if code != 2 || out != "" || !strings.Contains(errOut, want) {
				t.Errorf("%s (skip %v): want exit 2 and %q, no report; got exit %d\n%s\n%s", tt.name, skip, want, code, errOut, out)
			}
		}
	}
}

// TestAuditReadsWhatItDoesNotUseQuietly: kinds the inventory does not read
// are no problem; a document that is not a Kubernetes object is a warning.
func TestAuditReadsWhatItDoesNotUseQuietly(t *testing.T) {
	manifests := namespace + `---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: app}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: c, namespace: app}
---
# a values file
replicas: 3
`
	out, errOut, code := run(t, manifests, "audit", "-f", "-", "-o", "json", "--fail-on", "none")
	if code != 0 || !strings.Contains(out, `"namespaces": 1`) {
		t.Errorf("exit %d\n%s\n%s", code, errOut, out)
	}
	if errOut != "warning: skipped: -: document 4 (line 14): "+
		"not a Kubernetes object (neither apiVersion nor kind)\n" {
		t.Errorf("only the values document is a warning, with its position:\n%s", errOut)
	}
}

// TestAuditValidatesTheInventory: a NetworkInventory among the manifests
// is validated against the CRD's schema and CEL rules, as the API server
// would; a refused one fails the audit (even with --skip-unreadable), with
// the field named.
func TestAuditValidatesTheInventory(t *testing.T) {
	inv := "apiVersion: netinventory.io/v1alpha1\nkind: NetworkInventory\nmetadata: {name: cluster}\n"
	for _, tt := range []struct{ name, spec, want string }{
		{"enum", "spec: {exposure: {default: Publik}}\n", `spec.exposure.default: Unsupported value: "Publik"`},
		{"CEL rule", "spec: {exposure: {rules: [{exposure: Internal}]}}\n",
			"spec.exposure.rules[0]: Invalid value: a rule names gateways or services, or has a selector"},
		{"unknown field", "spec: {exposure: {defualt: Internal}}\n", "spec.exposure.defualt: Forbidden: unknown field"},
	} {
		for _, skip := range []bool{false, true} {
			args := []string{"audit", "-f", "-", "--fail-on", "none"}
			if skip {
				args = append(args, "--skip-unreadable")
			}
			out, errOut, code := run(t, namespace+"---\n"+inv+tt.spec, args...)
			want := `error: -: document 2 (line 5): NetworkInventory "cluster": refused by the CRD's schema: ` + tt.want
			if code != 2 || out != "" || !strings.Contains(errOut, want) {
				t.Errorf("%s (skip %v): want exit 2 and %q; got exit %d\n%s", tt.name, skip, want, code, errOut)
			}
		}
	}
	out, errOut, code := run(t, namespace+"---\n"+inv+"spec: {exposure: {default: Internal, rules: [{exposure: Public, services: [{namespace: app, name: web}]}]}}\n",
		"audit", "-f", "-", "-o", "json", "--fail-on", "none")
	if code != 0 || errOut != "" || !strings.Contains(out, `"name": "cluster"`) {
		t.Errorf("a valid inventory passes and gives the spec: exit %d\n%s\n%s", code, errOut, out)
	}
}

// TestAuditProblemsAreOneLine: each problem is one line naming the file,
// document and line, with quoted values cut, never the document's body.
func TestAuditProblemsAreOneLine(t *testing.T) {
	huge := strings.Repeat("P", 100_000)
	manifests := namespace + "---\napiVersion: v1\nkind: List\nitems:\n- {metadata: {name: a}}\n- {kind: Service}\n" +
		"---\napiVersion: netinventory.io/v1alpha1\nkind: NetworkInventory\nmetadata: {name: cluster}\nspec: {exposure: {default: " + huge + "}}\n"
	_, errOut, code := run(t, manifests, "audit", "-f", "-", "--fail-on", "none")
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if code != 2 || len(lines) != 3 || len(errOut) > 3000 {
		t.Fatalf("two problems and the verdict, one short line each: exit %d, %d lines, %d bytes\n%.2000s", code, len(lines), len(errOut), errOut)
	}
	if want := "error: -: document 2 (line 5): item 0: apiVersion and kind not set (or not a string); item 1: apiVersion not set"; !strings.HasPrefix(lines[0], want) {
		t.Errorf("got %q, want %q", lines[0], want)
	}
	if want := `error: -: document 3 (line 11): NetworkInventory "cluster": refused by the CRD's schema: spec.exposure.default: Unsupported value: "` +
		strings.Repeat("P", 200) + `...(100000 bytes)"`; !strings.HasPrefix(lines[1], want) {
		t.Errorf("got %.400q, want %q", lines[1], want)
	}
}

func TestExplainFailsClosedToo(t *testing.T) {
	broken := namespace + "---\napiVersion: v1\nkind: Service\nmetadata: {name: [x\n"
	if _, errOut, code := run(t, broken, "explain", "-f", "-", "app"); code != 2 || !strings.Contains(errOut, "document 2 (line 5)") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
	if out, errOut, code := run(t, broken, "explain", "-f", "-", "--skip-unreadable", "app"); code != 0 || !strings.Contains(out, "Namespace app") {
		t.Errorf("exit %d\n%s\n%s", code, errOut, out)
	}
}

// TestAuditCiliumEnablePolicy: Cilium's enforcement mode comes from a
// cilium-config ConfigMap among the manifests, or from the flag, which
// wins; a value Cilium does not know is refused.
func TestAuditCiliumEnablePolicy(t *testing.T) {
	const manifests = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec: {containers: [{name: c, image: img}]}
status: {phase: Running}
`
	const never = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {enable-policy: never}\n"
	for _, tt := range []struct {
		name, input string
		args        []string
		code        int
		want        string
	}{
		{"from the manifests", manifests + never, nil, 1, "PolicyEnforcementDisabled"},
		{"from the flag", manifests, []string{"--cilium-enable-policy", "never"}, 1, "PolicyEnforcementDisabled"},
		{"the flag wins", manifests + never, []string{"--cilium-enable-policy", "always"}, 0, "| shop | "},
		{"an unknown flag value", manifests, []string{"--cilium-enable-policy", "sometimes"}, 2, "want default, always or never"},
		{"an unknown value in the ConfigMap", manifests + strings.Replace(never, "never", "sometimes", 1), nil, 2, "want default, always or never"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, tt.input, append([]string{"audit", "-f", "-", "--fail-on", "critical"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d, want %d; output lacks %q:\n%s%s", code, tt.code, tt.want, errOut, out)
			}
		})
	}
}
