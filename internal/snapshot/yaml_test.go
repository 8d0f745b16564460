package snapshot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func load(t *testing.T, strict bool, text string) (*Snapshot, error) {
	t.Helper()
	l := &Loader{Strict: strict}
	l.AddReader("test.yaml", strings.NewReader(text))
	return l.Snapshot()
}

func TestLoadMultiDocumentAndLists(t *testing.T) {
	s, err := load(t, true, `
# leading comment
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: s, namespace: a}
  spec: {ports: [{port: 80}]}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: np, namespace: a}
  spec: {podSelector: {}}
---
apiVersion: v1
kind: PodList
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: p}
  spec: {containers: [{name: c, image: i}]}
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Namespaces) != 1 || len(s.Services) != 1 || len(s.NetworkPolicies) != 1 || len(s.Pods) != 1 {
		t.Fatalf("got %d namespaces, %d services, %d policies, %d pods", len(s.Namespaces), len(s.Services), len(s.NetworkPolicies), len(s.Pods))
	}
	if s.Pods[0].Namespace != "default" {
		t.Errorf("a namespaced object without namespace goes to default, got %q", s.Pods[0].Namespace)
	}
	if len(s.Missing()) != 0 {
		t.Errorf("manifests have every source kind available, missing %v", s.Missing())
	}
}

func TestLoadConvertsOlderGatewayAPIVersions(t *testing.T) {
	s, err := load(t, true, `
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: b}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: a}]
  to: [{group: "", kind: Service}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: t, namespace: a}
spec:
  hostnames: [x.example.com]
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: svc, port: 443}]}]
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.ReferenceGrants) != 1 || s.ReferenceGrants[0].Spec.From[0].Namespace != "a" {
		t.Fatalf("v1beta1 ReferenceGrant not converted: %+v", s.ReferenceGrants)
	}
	if len(s.TLSRoutes) != 1 || string(s.TLSRoutes[0].Spec.Hostnames[0]) != "x.example.com" ||
		s.TLSRoutes[0].Spec.Rules[0].BackendRefs[0].Name != "svc" {
		t.Fatalf("v1alpha2 TLSRoute not converted: %+v", s.TLSRoutes)
	}
}

func TestLoadErrorsNameFileDocumentAndLine(t *testing.T) {
	s, err := load(t, true, `apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: a}
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: a
---
apiVersion: v1
kind: Service
metadata: {name: ok, namespace: a}
`)
	var docErrs []*DocumentError
	for _, e := range unjoin(err) {
		var de *DocumentError
		if !errors.As(e, &de) {
			t.Fatalf("error without position: %v", e)
		}
		docErrs = append(docErrs, de)
	}
	if len(docErrs) != 2 {
		t.Fatalf("want 2 document errors, got %v", err)
	}
	if d := docErrs[0]; d.File != "test.yaml" || d.Document != 2 || d.Line != 5 || !errors.Is(d, ErrUnknownKind) {
		t.Errorf("unknown kind: got %+v", d)
	}
	if d := docErrs[1]; d.Document != 3 || d.Line != 9 {
		t.Errorf("malformed document: got %+v", d)
	}
	if len(s.Namespaces) != 1 || len(s.Services) != 1 || s.Services[0].Name != "ok" {
		t.Errorf("the readable documents are kept: %d namespaces, services %+v", len(s.Namespaces), s.Services)
	}
}

func TestLoadLenientSkipsOtherKinds(t *testing.T) {
	_, err := load(t, false, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
	if err != nil {
		t.Fatalf("a kind the inventory does not read is skipped when not strict: %v", err)
	}
}

func TestLoadRejectsUnknownFieldsWhenStrict(t *testing.T) {
	_, err := load(t, true, "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {portz: []}\n")
	if err == nil || !strings.Contains(err.Error(), "portz") {
		t.Fatalf("want an unknown field error naming portz, got %v", err)
	}
}

func TestLoadCollectsInventories(t *testing.T) {
	l := &Loader{Strict: true}
	l.AddReader("i.yaml", strings.NewReader(`apiVersion: netinventory.io/v1alpha1
kind: NetworkInventory
metadata: {name: cluster}
spec: {exposure: {default: Internal}}
`))
	if _, err := l.Snapshot(); err != nil {
		t.Fatal(err)
	}
	if len(l.Inventories) != 1 || l.Inventories[0].Spec.Exposure.Default != "Internal" {
		t.Fatalf("inventories: %+v", l.Inventories)
	}
}

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestLoadLinesOfAnyLength: a line longer than any scanner buffer (here
// 17 MiB) neither loses its file nor the documents after it.
func TestLoadLinesOfAnyLength(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big, namespace: a}\ndata:\n  blob: \"")
	b.WriteString(strings.Repeat("x", 17<<20))
	b.WriteString("\"\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: public, namespace: network}\n")
	b.WriteString("spec:\n  gatewayClassName: envoy\n  listeners: [{name: https, protocol: HTTPS, port: 443}]\n")
	l := &Loader{}
	l.AddReader("big.yaml", strings.NewReader(b.String()))
	s, err := l.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Gateways) != 1 || s.Gateways[0].Name != "public" || l.Count() != 2 {
		t.Fatalf("the Gateway after the long line is loaded: %d gateways, %d objects", len(s.Gateways), l.Count())
	}
}

// TestLoadPositions: each error names the line of the file where its
// document's content starts, past comments, blank lines and separators
// with comments, and a parser error names the line of the file too.
func TestLoadPositions(t *testing.T) {
	text := "# header\n" + // 1
		"\n" + // 2
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n" + // 3-5
		"--- # the services\n" + // 6
		"# a comment\n# another\n\n" + // 7-9
		"apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\n" + // 10-12
		"---\n" + // 13
		"apiVersion: v1\r\nkind: Service\r\nmetadata:\r\n  name: [broken\r\n" + // 14-17, CRLF
		"---\n" + // 18
		"\n# only a comment\n" + // 19-20: no document
		"---\n" + // 21
		"apiVersion: v1\nkind: Service\nmetadata: {name: t, namespace: a}\nspec: {ports: [{port: eighty}]}\n" // 22-25
	s, err := load(t, true, text)
	var got []string
	for _, e := range unjoin(err) {
		var de *DocumentError
		if !errors.As(e, &de) {
			t.Fatalf("error without position: %v", e)
		}
		got = append(got, fmt.Sprintf("%d@%d", de.Document, de.Line))
	}
	if want := []string{"3@14", "4@22"}; !slices.Equal(got, want) {
		t.Errorf("document@line: got %v, want %v (%v)", got, want, err)
	}
	if err == nil || !strings.Contains(err.Error(), "yaml: line 17:") {
		t.Errorf("the parser's line is the file's: %v", err)
	}
	if len(s.Namespaces) != 1 || len(s.Services) != 1 {
		t.Errorf("the readable documents are kept: %d namespaces, %d services", len(s.Namespaces), len(s.Services))
	}
}

// TestLoadClassifiesDocuments: what is not an object, what is not a
// Kubernetes object, and what lacks apiVersion or kind are told apart, and
// only objects read count.
func TestLoadClassifiesDocuments(t *testing.T) {
	l := &Loader{}
	l.AddReader("mixed.yaml", strings.NewReader(`~
---
just a sentence
---
replicas: 3
image: {tag: v1}
---
kind: Service
metadata: {name: s}
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: a}}
- {metadata: {name: b}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: a}
---
- a
- b
`))
	_, err := l.Snapshot()
	errs := unjoin(err)
	if len(errs) != 5 {
		t.Fatalf("want 5 errors, got %v", err)
	}
	for i, want := range []string{"document 2 (line 3): not an object but a scalar (string)",
		"document 3 (line 5): " + ErrNotAnObject.Error(),
		"document 4 (line 8): apiVersion not set",
		"document 5 (line 11): item 1: apiVersion and kind not set",
		"document 7 (line 21): not an object but a list"} {
		if !strings.Contains(errs[i].Error(), want) {
			t.Errorf("error %d: got %q, want %q", i, errs[i], want)
		}
	}
	if !errors.Is(errs[1], ErrNotAnObject) || errors.Is(errs[2], ErrNotAnObject) {
		t.Error("only a mapping without apiVersion and kind is ErrNotAnObject")
	}
	if l.Count() != 2 {
		t.Errorf("the Namespace and the Deployment are read: %d", l.Count())
	}
}

func TestLoadDirectoryWithoutManifests(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("# hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := &Loader{}
	l.AddPath(dir)
	if _, err := l.Snapshot(); !errors.Is(err, ErrNoManifests) || !strings.Contains(err.Error(), dir) {
		t.Errorf("a directory without manifests is an error naming it: %v", err)
	}
}

func TestLoadValidatesInventories(t *testing.T) {
	refused := errors.New("refused")
	l := &Loader{ValidateInventory: func(u *unstructured.Unstructured) error {
		if u.GetName() == "bad" {
			return refused
		}
		return nil
	}}
	l.AddReader("i.yaml", strings.NewReader("apiVersion: netinventory.io/v1alpha1\nkind: NetworkInventory\nmetadata: {name: good}\n---\n"+
		"apiVersion: netinventory.io/v1alpha1\nkind: NetworkInventory\nmetadata: {name: bad}\n"))
	_, err := l.Snapshot()
	var de *DocumentError
	if !errors.As(err, &de) || !errors.Is(err, refused) || de.Document != 2 || de.Line != 5 {
		t.Fatalf("the refusal is the document's error, with its position: %v", err)
	}
	if len(l.Inventories) != 1 || l.Inventories[0].Name != "good" || l.Count() != 1 {
		t.Errorf("only the valid inventory is kept: %+v", l.Inventories)
	}
}

func TestDocumentErrorIsOneBoundedLine(t *testing.T) {
	long := strings.Repeat("y", 5000)
	e := &DocumentError{File: "f.yaml", Document: 2, Line: 9,
		Err: fmt.Errorf("first: Unsupported value: %q\nsecond: %s \"%s", long, strings.Repeat("z", 5000), long)}
	msg := e.Error()
	if strings.ContainsAny(msg, "\n\r") || len(msg) > 2100 {
		t.Fatalf("one line of at most ~2000 bytes, got %d bytes: %.300q", len(msg), msg)
	}
	if !strings.HasPrefix(msg, `f.yaml: document 2 (line 9): first: Unsupported value: "`+strings.Repeat("y", 200)+`...(5000 bytes)"; second: `) {
		t.Errorf("quoted values are cut at 200 bytes: %.400s", msg)
	}
	if OneLine(msg) != msg {
		t.Error("OneLine is idempotent: a message cut once is not cut again")
	}
	if got := OneLine(`a "é` + strings.Repeat("é", 150) + `"`); !utf8.ValidString(got) {
		t.Errorf("cutting keeps UTF-8 valid: %q", got)
	}
}

func TestLoadFollowsSymlinkedDirectory(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	ns := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: linked\n"
	if err := os.WriteFile(filepath.Join(real, "ns.yaml"), []byte(ns), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	l := &Loader{}
	l.AddPath(link)
	snap, err := l.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Namespaces) != 1 || snap.Namespaces[0].Name != "linked" {
		t.Errorf("a symlinked directory is read through its link: %+v", snap.Namespaces)
	}
}

func TestCiliumConfigSettings(t *testing.T) {
	s := &Snapshot{}
	read, err := ApplyCiliumConfig(s, map[string]string{"enable-policy": "always", "enable-non-default-deny-policies": "false"})
	if err != nil || s.CiliumPolicyEnforcement != EnforcementAlways || !s.CiliumIgnoresDefaultDenyFalse ||
		read != "enable-policy: always, enable-non-default-deny-policies: false" {
		t.Errorf("both settings are read: %q %v %+v", read, err, s)
	}
	s = &Snapshot{}
	if _, err := ApplyCiliumConfig(s, map[string]string{"enable-non-default-deny-policies": "maybe"}); err == nil || s.CiliumIgnoresDefaultDenyFalse {
		t.Errorf("a value that is no boolean is an error and changes nothing: %v %+v", err, s)
	}
	if read, err := ApplyCiliumConfig(s, nil); err != nil || read != "enable-policy: default, enable-non-default-deny-policies: true" {
		t.Errorf("absent settings are Cilium's defaults: %q %v", read, err)
	}
}
