package snapshot

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// However many distinct values go through it, an interner holds at most
// two generations of them, and still shares what is asked for again.
func TestInternerStaysBounded(t *testing.T) {
	var in interner[[]string]
	intern := func(key string, v []string) []string { return in.intern([]byte(key), func() []string { return v }) }
	for i := range 5 * internGeneration {
		key := fmt.Sprint(i)
		intern(key, []string{key})
	}
	if n := len(in.current) + len(in.previous); n > 2*internGeneration {
		t.Errorf("holds %d values, at most %d expected", n, 2*internGeneration)
	}
	kept := intern("kept", []string{"kept"})
	for i := range 3 * internGeneration {
		key := fmt.Sprint("churn-", i)
		intern(key, []string{key})
		if i%1000 == 0 && &intern("kept", []string{"copy"})[0] != &kept[0] {
			t.Fatal("a value asked for in every generation was forgotten")
		}
	}
	if forgotten := intern("0", []string{"again"}); forgotten[0] != "again" {
		t.Errorf("a value nobody asked for in two generations is still held: %v", forgotten)
	}
}

// Pods read from manifests, in one file or several read at once, share
// their equal labels and containers as the manager's cache does, and keep
// what is their own.
func TestLoadedPodsShareEqualParts(t *testing.T) {
	dir := t.TempDir()
	pod := func(name, hash string) string {
		return fmt.Sprintf(`---
apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: shop, labels: {app: web, pod-template-hash: h%s}}
spec: {containers: [{name: web, image: web:1, ports: [{name: http, containerPort: 8080}], env: [{name: A, value: b}]}]}
`, name, hash)
	}
	for i, body := range []string{pod("web-a", "1") + pod("web-b", "1"), pod("web-c", "1") + pod("web-d", "2")} {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.yaml", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l := &Loader{}
	l.AddPath(dir)
	s, err := l.Snapshot()
	if err != nil || len(s.Pods) != 4 {
		t.Fatalf("%v, %d pods", err, len(s.Pods))
	}
	byName := map[string]*Pod{}
	for _, p := range s.Pods {
		byName[p.Name] = p
	}
	a, b, c, d := byName["web-a"], byName["web-b"], byName["web-c"], byName["web-d"]
	same := func(x, y map[string]string) bool { return reflect.ValueOf(x).Pointer() == reflect.ValueOf(y).Pointer() }
	if !same(a.Labels, b.Labels) || !same(a.Labels, c.Labels) || &a.Spec.Containers[0] != &d.Spec.Containers[0] {
		t.Error("equal labels or containers are not shared, within a file and across files")
	}
	if same(a.Labels, d.Labels) || d.Labels["pod-template-hash"] != "h2" {
		t.Errorf("a pod with its own labels shares another's: %v", d.Labels)
	}
	if len(a.Spec.Containers[0].Env) != 0 || a.Spec.Containers[0].Ports[0].Name != "http" {
		t.Errorf("containers not trimmed as the cache trims them: %+v", a.Spec.Containers[0])
	}
}
