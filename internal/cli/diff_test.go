package cli

import (
	"archive/tar"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The pull request of the scenario removes the OIDC SecurityPolicy of a
// route behind a public gateway.
var (
	withSSO    = filepath.Join("..", "diff", "testdata", "security-policy-removed", "base.yaml")
	withoutSSO = filepath.Join("..", "diff", "testdata", "security-policy-removed", "head.yaml")
)

const noChangeLine = "**Network inventory:** no change to endpoints, gateways, LoadBalancer and NodePort Services, namespace isolation or findings.\n"

// TestDiffSecurityPolicyRemoved: the endpoint turns unauthenticated, the
// Critical finding opens, and the command fails at high (and critical),
// not with none; the way back closes it and passes.
func TestDiffSecurityPolicyRemoved(t *testing.T) {
	want := []string{
		"**Network inventory:** 1 finding opened (1 Critical); 1 endpoint loses authentication.\n",
		"| opened | **Critical** | PublicEndpointWithoutAuthentication | `shop.example.com` | public endpoint shop.example.com",
		"| loses authentication | `shop.example.com` | shop/public/https :443 | HTTPRoute `shop/web` | Public | OIDC via `shop/sso` → **None** |",
	}
	for _, tt := range []struct {
		failOn string
		code   int
	}{{"high", 1}, {"critical", 1}, {"low", 1}, {"none", 0}} {
		out, errOut, code := run(t, "", "diff", withSSO, withoutSSO, "--fail-on", tt.failOn)
		if code != tt.code {
			t.Errorf("--fail-on %s: exit %d, want %d\n%s", tt.failOn, code, tt.code, errOut)
		}
		if !strings.HasPrefix(out, want[0]) {
			t.Errorf("--fail-on %s: the summary comes first:\n%s", tt.failOn, out)
		}
		for _, w := range want[1:] {
			if !strings.Contains(out, w) {
				t.Errorf("--fail-on %s: output lacks %q:\n%s", tt.failOn, w, out)
			}
		}
		if tt.code == 1 && !strings.Contains(errOut, "the change opens 1 finding at or above "+tt.failOn+
			" (worst: Critical PublicEndpointWithoutAuthentication on shop.example.com)") {
			t.Errorf("the error names the finding: %s", errOut)
		}
	}
	out, errOut, code := run(t, "", "diff", withoutSSO, withSSO)
	if code != 0 || !strings.HasPrefix(out, "**Network inventory:** 1 finding closed; 1 endpoint gains authentication.\n") {
		t.Errorf("adding the policy closes the finding and passes: exit %d\n%s%s", code, errOut, out)
	}
	for _, p := range []string{withSSO, withoutSSO} {
		out, errOut, code := run(t, "", "diff", p, p)
		if code != 0 || out != noChangeLine || errOut != "" {
			t.Errorf("%s against itself: exit %d, one line %q; got\n%s%s", p, code, noChangeLine, errOut, out)
		}
	}
	out, _, code = run(t, "", "diff", withSSO, withoutSSO, "-o", "json")
	if code != 1 || !strings.Contains(out, `"summary": "1 finding opened (1 Critical); 1 endpoint loses authentication"`) ||
		!strings.Contains(out, `"change": "Opened"`) || !strings.Contains(out, `"fields": [`+"\n"+`        "authentication"`) {
		t.Errorf("-o json: exit %d\n%s", code, out)
	}
}

// TestDiffFailsOnlyOnWhatTheChangeOpens: a finding open in the base already
// does not fail the diff, whatever its priority; one the change opens does,
// at its level. One side can be standard input.
func TestDiffFailsOnlyOnWhatTheChangeOpens(t *testing.T) {
	data, err := os.ReadFile(withoutSSO) // a Critical finding open
	if err != nil {
		t.Fatal(err)
	}
	more := string(data) + `---
apiVersion: v1
kind: Namespace
metadata: {name: tools, labels: {kubernetes.io/metadata.name: tools}}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: tools}
spec: {containers: [{name: c, image: img}]}
status: {phase: Running}
`
	for _, tt := range []struct {
		failOn string
		code   int
	}{{"critical", 0}, {"high", 0}, {"medium", 1}} {
		out, errOut, code := run(t, more, "diff", withoutSSO, "-", "--fail-on", tt.failOn)
		if code != tt.code || !strings.HasPrefix(out, "**Network inventory:** 1 finding opened (1 Medium); 1 namespace added (1 not isolated).\n") {
			t.Errorf("--fail-on %s: exit %d, want %d\n%s%s", tt.failOn, code, tt.code, errOut, out)
		}
	}
}

// TestDiffSharesTheAuditFlags: every flag of audit that says what to read
// and how applies to diff too (to both sides), today's and tomorrow's.
func TestDiffSharesTheAuditFlags(t *testing.T) {
	root := NewCommand(Streams{})
	auditCmd, diffCmd := find(t, root, "audit"), find(t, root, "diff")
	auditCmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "filename" || f.Name == "output" || f.Name == "fail-on" {
			return
		}
		if g := diffCmd.Flags().Lookup(f.Name); g == nil || g.Usage != f.Usage {
			t.Errorf("audit's --%s is not diff's", f.Name)
		}
	})
	dir := t.TempDir()
	for name, text := range map[string]string{"literal.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: app}\n",
		"placeholder.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: \"${NS}\"}\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	literal, placeholder := filepath.Join(dir, "literal.yaml"), filepath.Join(dir, "placeholder.yaml")
	for _, args := range [][]string{{literal, placeholder}, {placeholder, literal}} {
		out, errOut, code := run(t, "", append([]string{"diff", "--set", "NS=app"}, args...)...)
		if code != 0 || out != noChangeLine {
			t.Errorf("--set applies to %s: exit %d\n%s%s", args[1], code, errOut, out)
		}
	}
	if out, _, _ := run(t, "", "diff", literal, placeholder); !strings.Contains(out, "1 namespace added, 1 removed") {
		t.Errorf("without --set the namespaces differ:\n%s", out)
	}
}

func find(t *testing.T, root *cobra.Command, name string) *cobra.Command {
	t.Helper()
	c, _, err := root.Find([]string{name})
	if err != nil || c.Name() != name {
		t.Fatalf("no %s command: %v", name, err)
	}
	return c
}

// TestDiffExitCodes: usage errors and manifests that cannot be audited
// exit 2, the side named.
func TestDiffExitCodes(t *testing.T) {
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(broken, []byte("apiVersion: v1\nkind: Service\nmetadata: {name: [x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{withSSO}, "diff needs BASE and HEAD"},
		{[]string{withSSO, withSSO, withSSO}, "diff needs BASE and HEAD"},
		{[]string{"-", "-"}, "only one of BASE and HEAD can be -"},
		{[]string{withSSO, withoutSSO, "-o", "yaml"}, "-o must be one of markdown, json"},
		{[]string{withSSO, withoutSSO, "--fail-on", "urgent"}, "--fail-on must be one of"},
		{[]string{"--base-rev", "HEAD"}, "needs PATH"},
		{[]string{"--base-rev", "HEAD", "-"}, "has no version in HEAD"},
		{[]string{broken, withSSO}, "base: error: " + broken + ": document 1 (line 1)"},
		{[]string{withSSO, broken}, "head: 1 unreadable document, file or build"},
		{[]string{withSSO, filepath.Join(t.TempDir(), "nothing")}, "head: stat "},
	} {
		out, errOut, code := run(t, "", append([]string{"diff"}, tt.args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: want exit 2 and %q, no output; got exit %d\n%s%s", tt.args, tt.want, code, errOut, out)
		}
	}
}

// gitRepo makes a git repository in a temporary directory, isolated from
// the user's and the system's git configuration.
func gitRepo(t *testing.T) (string, func(args ...string)) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	gitIn := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=test", "-c", "user.email=test@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitIn("init", "-q")
	return dir, gitIn
}

func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDiffBaseRev: --base-rev compares a committed revision with the
// working tree, the paths relative to the current directory or not.
func TestDiffBaseRev(t *testing.T) {
	withSSO, withoutSSO := abs(t, withSSO), abs(t, withoutSSO)
	repo, gitIn := gitRepo(t)
	copyFile(t, withSSO, filepath.Join(repo, "clusters", "prod", "shop.yaml"))
	if err := os.Symlink("prod", filepath.Join(repo, "clusters", "current")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../..", filepath.Join(repo, "clusters", "escape")); err != nil { // the repository's parent
		t.Fatal(err)
	}
	gitIn("add", "-A")
	gitIn("commit", "-q", "-m", "base")
	gitIn("tag", "v1")
	copyFile(t, withoutSSO, filepath.Join(repo, "clusters", "prod", "shop.yaml")) // the pull request, not committed

	t.Chdir(filepath.Join(repo, "clusters"))
	for _, args := range [][]string{
		{"prod"},
		{filepath.Join(repo, "clusters", "prod")},
		{"prod/shop.yaml"},
		{"current"}, // a link inside the repository is followed on both sides
	} {
		out, errOut, code := run(t, "", append([]string{"diff", "--base-rev", "v1"}, args...)...)
		if code != 1 || !strings.HasPrefix(out, "**Network inventory:** 1 finding opened (1 Critical); 1 endpoint loses authentication.\n") {
			t.Errorf("%v: exit %d\n%s%s", args, code, errOut, out)
		}
		if strings.Contains(errOut, "warning") {
			t.Errorf("%v: the link leading out is not among the paths, no warning: %s", args, errOut)
		}
	}
	if _, errOut, _ := run(t, "", "diff", "--base-rev", "v1", "."); !strings.Contains(errOut,
		"warning: base: skipped the symbolic link v1:clusters/escape: it leads out of the repository") {
		t.Errorf("the link leading out of the repository is dropped, with a warning: %s", errOut)
	}

	// Committed, nothing changes.
	gitIn("commit", "-q", "-a", "-m", "head")
	if out, errOut, code := run(t, "", "diff", "--base-rev", "HEAD", "prod"); code != 0 || out != noChangeLine {
		t.Errorf("against the last commit: exit %d\n%s%s", code, errOut, out)
	}

	// A directory the pull request adds: the base is empty.
	copyFile(t, withoutSSO, filepath.Join(repo, "clusters", "staging", "shop.yaml"))
	out, errOut, code := run(t, "", "diff", "--base-rev", "HEAD", "staging")
	if code != 1 || !strings.Contains(errOut, "note: staging does not exist in HEAD: the base is empty") ||
		!strings.Contains(out, "1 finding opened (1 Critical); 1 endpoint added (1 public); 1 gateway added (1 public)") {
		t.Errorf("a new directory: exit %d\n%s%s", code, errOut, out)
	}

	// The base's problems are named by revision and path.
	if err := os.WriteFile(filepath.Join(repo, "clusters", "prod", "broken.yaml"), []byte("kind: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn("add", "-A")
	gitIn("commit", "-q", "-m", "broken")
	_, errOut, code = run(t, "", "diff", "--base-rev", "HEAD", "prod")
	if code != 2 || !strings.Contains(errOut, "base: error: HEAD:clusters/prod/broken.yaml: document 1 (line 1)") || strings.Contains(errOut, os.TempDir()) {
		t.Errorf("exit %d\n%s", code, errOut)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--base-rev", "no-such-branch", "prod"}, "--base-rev no-such-branch: no such revision in the git repository"},
		{[]string{"--base-rev", "--output=json", "prod"}, "not a revision"},
		{[]string{"--base-rev", "HEAD", t.TempDir()}, "is not in a git repository"},
	} {
		out, errOut, code := run(t, "", append([]string{"diff"}, tt.args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: want exit 2 and %q; got exit %d\n%s%s", tt.args, tt.want, code, errOut, out)
		}
	}
}

// TestExtractTarStaysInside: nothing of an archive lands outside the
// directory, through a name or through symbolic links.
func TestExtractTarStaysInside(t *testing.T) {
	type entry struct {
		name, link string
		typ        byte
	}
	archive := func(entries ...entry) *bytes.Buffer {
		var b bytes.Buffer
		w := tar.NewWriter(&b)
		for _, e := range entries {
			h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: 0o644}
			if e.typ == tar.TypeReg {
				h.Size = 2
			}
			if err := w.WriteHeader(h); err != nil {
				t.Fatal(err)
			}
			if e.typ == tar.TypeReg {
				_, _ = w.Write([]byte("x\n"))
			}
		}
		_ = w.Close()
		return &b
	}
	for _, tt := range []struct {
		name    string
		entries []entry
		want    string
	}{
		{"parent", []entry{{name: "../evil", typ: tar.TypeReg}}, "not a path inside"},
		{"deep parent", []entry{{name: "a/../../evil", typ: tar.TypeReg}}, "not a path inside"},
		{"absolute", []entry{{name: "/tmp/evil", typ: tar.TypeReg}}, "not a path inside"},
		{"hard link", []entry{{name: "a", typ: tar.TypeReg}, {name: "b", link: "a", typ: tar.TypeLink}}, "not extracted"},
		{"file where a link goes", []entry{{name: "l/x", typ: tar.TypeReg}, {name: "l", link: "/", typ: tar.TypeSymlink}}, "exists"},
		{"link under a link", []entry{{name: "l", link: "/", typ: tar.TypeSymlink}, {name: "l/tmp/evil", link: "x", typ: tar.TypeSymlink}},
			"under the symbolic link l"},
	} {
		dir := t.TempDir()
		outside := filepath.Join(filepath.Dir(dir), "evil")
		_, err := extractTar(archive(tt.entries...), dir)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: want an error with %q, got %v", tt.name, tt.want, err)
		}
		if _, err := os.Lstat(outside); err == nil {
			t.Errorf("%s: wrote %s", tt.name, outside)
		}
	}

	dir := t.TempDir()
	dropped, err := extractTar(archive(
		entry{name: "sub/", typ: tar.TypeDir},
		entry{name: "sub/file.yaml", typ: tar.TypeReg},
		entry{name: "inside", link: "sub/file.yaml", typ: tar.TypeSymlink},
		entry{name: "dir", link: "sub", typ: tar.TypeSymlink},
		entry{name: "absolute", link: "/etc", typ: tar.TypeSymlink},
		entry{name: "up", link: "..", typ: tar.TypeSymlink},
		entry{name: "self", link: ".", typ: tar.TypeSymlink},
		// lexically inside (self/self/self/../../.. is .), really three levels up
		entry{name: "chain", link: "self/self/self/../../..", typ: tar.TypeSymlink},
		entry{name: "dangling", link: "nothing", typ: tar.TypeSymlink},
	), dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(dropped, " "); got != "absolute up chain" {
		t.Errorf("dropped %q, want the links leading out: absolute up chain", got)
	}
	for name, want := range map[string]bool{"sub/file.yaml": true, "inside": true, "dir/file.yaml": true, "self": true,
		"absolute": false, "up": false, "chain": false, "dangling": false} {
		if _, err := os.Lstat(filepath.Join(dir, name)); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", name, err == nil, want)
		}
	}
}
