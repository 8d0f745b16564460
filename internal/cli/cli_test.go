package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const homelab = "../../test/fixtures/homelab"

// run runs the command with args and returns its output, error output and
// exit code.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := NewCommand(Streams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	cmd.SetArgs(args)
	err := cmd.Execute()
	code := 0
	if err != nil {
		code = 2
		var exit *ExitError
		if errors.As(err, &exit) {
			code = exit.Code
		}
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), code
}

func TestAuditExitCodeFollowsFailOn(t *testing.T) {
	for _, tt := range []struct {
		failOn string
		want   int
	}{{"critical", 1}, {"high", 1}, {"low", 1}, {"none", 0}} {
		_, _, code := run(t, "", "audit", "-f", homelab, "-o", "table", "--fail-on", tt.failOn)
		if code != tt.want {
			t.Errorf("--fail-on %s: exit %d, want %d", tt.failOn, code, tt.want)
		}
	}
	clean := `apiVersion: v1
kind: Namespace
metadata: {name: app}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: app}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web:1}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: app}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
`
	out, _, code := run(t, clean, "audit", "-f", "-", "-o", "json", "--fail-on", "low")
	if code != 0 || !strings.Contains(out, `"coverage": "Covered"`) || !strings.Contains(out, `"pods": 2`) {
		t.Errorf("a Deployment of 2 replicas under a default deny: covered, no finding: exit %d\n%s", code, out)
	}
	if _, _, code := run(t, "", "audit", "-f", homelab, "--fail-on", "urgent"); code != 2 {
		t.Errorf("a bad --fail-on is a usage error: %d", code)
	}
}

func TestAuditReportsBrokenDocumentsAndAuditsTheRest(t *testing.T) {
	dir := t.TempDir()
	good := "apiVersion: v1\nkind: Namespace\nmetadata: {name: open}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: open}\nspec: {containers: [{name: c, image: i}]}\nstatus: {phase: Running}\n"
	broken := "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: open}\nspec: {ports: [{port: 80}]}\n---\n# second document\napiVersion: v1\nkind: Service\nmetadata: {name: [broken\n"
	for name, text := range map[string]string{"a.yaml": good, "sub/b.yaml": broken} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := filepath.Join(dir, "sub/b.yaml") + ": document 2 (line 7)" // its first line past the comment
	out, errOut, code := run(t, "", "audit", "-f", dir, "-o", "table", "--fail-on", "medium")
	if code != 2 || out != "" || !strings.Contains(errOut, "error: "+want) || !strings.Contains(errOut, "--skip-unreadable") {
		t.Errorf("by default an unreadable document fails the audit (exit 2, no report), named with its position %q: exit %d\n%s\n%s", want, code, errOut, out)
	}
	out, errOut, code = run(t, "", "audit", "-f", dir, "-o", "table", "--fail-on", "medium", "--skip-unreadable")
	if !strings.Contains(errOut, "warning: skipped: "+want) {
		t.Errorf("the broken document is named with its position %q:\n%s", want, errOut)
	}
	if code != 1 || !strings.Contains(out, "NamespaceWithoutPolicies") {
		t.Errorf("the rest is audited (namespace open has no policies): exit %d\n%s", code, out)
	}
}

func TestAuditSubstitutesPlaceholders(t *testing.T) {
	manifest := "apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NS}, labels: {team: \"${TEAM:=core}\"}}\n"
	out, _, _ := run(t, manifest, "audit", "-f", "-", "-o", "json", "--set", "NS=payments", "--fail-on", "none")
	if !strings.Contains(out, `"name": "payments"`) {
		t.Errorf("${NS} replaced:\n%s", out)
	}
	if got := substitute([]byte("${A} ${B:=x} ${C:-y} $D"), map[string]string{"A": "1", "B": "2"}); string(got) != "1 2 ${C:-y} $D" {
		t.Errorf("substitute: %q", got)
	}
}

func TestExplain(t *testing.T) {
	for _, tt := range []struct {
		subject string
		want    []string
	}{
		{"llms.matherly.net", []string{"gateway network/envoy-external", "The gateway is Public", "Route HTTPRoute network/llms",
			"Service ai-system/litellm port 4000", "Authentication Optional: JWT from SecurityPolicy network/jwt-auth attached at the Route level", `declares "api-key"`}},
		{"echo.matherly.net", []string{"Authentication None: no SecurityPolicy applies"}},
		{"storage/" + podName(t, "storage", "rustfs"), []string{"CiliumNetworkPolicy storage/rustfs", "NetworkPolicy storage/rustfs",
			"ingress: isolated", "egress: isolated"}},
		{"identity/keycloak-0", []string{"ingress: isolated", "egress: not isolated"}},
		{"monitoring", []string{"Namespace monitoring: None, priority Critical", "25 running pods (3 on the host network)"}},
	} {
		out, errOut, code := run(t, "", "explain", "-f", homelab, tt.subject)
		if code != 0 {
			t.Errorf("%s: exit %d %s", tt.subject, code, errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: explanation lacks %q:\n%s", tt.subject, w, out)
			}
		}
	}
	if _, _, code := run(t, "", "explain", "-f", homelab, "nothing.example.org"); code != 1 {
		t.Errorf("an unknown subject exits 1, got %d", code)
	}
}

// podName finds the name of the pod of an app in a fixture namespace.
func podName(t *testing.T, namespace, app string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(homelab, namespace+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "name: "); ok && strings.HasPrefix(name, app+"-") {
			return name
		}
	}
	t.Fatalf("no %s pod in %s", app, namespace)
	return ""
}
