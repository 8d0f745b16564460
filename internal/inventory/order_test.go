package inventory

import (
	"path/filepath"
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
)

// reversed returns a copy of a Snapshot whose object lists are in reverse
// order: a cache lists objects in no particular order, and the status must
// not depend on it.
func reversed(s *snapshot.Snapshot) *snapshot.Snapshot {
	out := *s
	v := reflect.ValueOf(&out).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Slice || v.Type().Field(i).Name == "Sources" {
			continue
		}
		r := reflect.MakeSlice(f.Type(), f.Len(), f.Len())
		for j := range f.Len() {
			r.Index(j).Set(f.Index(f.Len() - 1 - j))
		}
		f.Set(r)
	}
	return &out
}

// TestStatusDoesNotDependOnListOrder: the same objects listed in another
// order give the same status, evidence and authentication included.
func TestStatusDoesNotDependOnListOrder(t *testing.T) {
	for _, dir := range []string{
		filepath.Join("..", "..", "test", "fixtures", "homelab"),
		filepath.Join("testdata", "evidence-order.yaml"),
		filepath.Join("..", "..", "test", "scenarios", "exposure-evidence-tunnel-and-dns", "input.yaml"),
		filepath.Join("..", "..", "test", "scenarios", "exposure-evidence-internal-gateways-only", "input.yaml"),
		filepath.Join("..", "..", "test", "scenarios", "auth-proxy-in-backend-pods", "input.yaml"),
	} {
		l := &snapshot.Loader{Other: snapshot.WorkloadPods}
		l.AddPath(dir)
		snap, err := l.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		spec := &v1alpha1.NetworkInventorySpec{}
		if len(l.Inventories) > 0 {
			spec = &l.Inventories[0].Spec
		}
		want, err := Compute(snap, spec, goldenNow)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Compute(reversed(snap), spec, goldenNow)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := yaml.Marshal(want.Status)
		b, _ := yaml.Marshal(got.Status)
		if string(a) != string(b) {
			t.Errorf("%s: the status changes with the order of the lists:\n%s", dir, firstDifference(string(a), string(b)))
		}
	}
}

func firstDifference(a, b string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			lo := max(0, i-300)
			return "in order:\n" + a[lo:min(len(a), i+300)] + "\n\nreversed:\n" + b[lo:min(len(b), i+300)]
		}
	}
	return "one is a prefix of the other"
}
