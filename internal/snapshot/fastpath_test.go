package snapshot

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestPeekKind(t *testing.T) {
	for _, tt := range []struct {
		doc  string
		want string // "" when the document must be parsed
	}{
		{"apiVersion: v1\nkind: Service\nmetadata: {name: a}\n", "/v1, Kind=Service"},
		{"kind: Deployment # the app\napiVersion: apps/v1\n", "apps/v1, Kind=Deployment"},
		{"apiVersion: v1\nkind: \"Service\"\n", ""},                           // quoted: parsed
		{"{apiVersion: v1, kind: Service}\n", ""},                             // flow style
		{"apiVersion: v1\nspec:\n  kind: Service\n", ""},                      // nested kind only
		{"apiVersion: &v v1\nkind: Service\n", ""},                            // anchor
		{"apiVersion: v1\nkind: Service\nkind: Secret\n", "/v1, Kind=Secret"}, // the last, as the parser (which refuses it anyway)
	} {
		gvk, ok := peekKind([]byte(tt.doc))
		got := ""
		if ok {
			got = gvk.String()
		}
		if got != tt.want {
			t.Errorf("%q: %q, want %q", tt.doc, got, tt.want)
		}
	}
}

// TestLoaderSkipsOnlyWhatItDoesNotRead: documents of kinds nothing reads
// are counted, not parsed; everything else is parsed as before.
func TestLoaderSkipsOnlyWhatItDoesNotRead(t *testing.T) {
	l := &Loader{Other: WorkloadPods, OtherReads: IsWorkloadKind,
		KeepIf: func(gvk schema.GroupVersionKind) bool { return gvk.Kind == "Secret" }}
	l.AddReader("in.yaml", strings.NewReader(`apiVersion: v1
kind: ServiceAccount
metadata: {name: [not, parsed}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: app}
spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: i}]}}}
---
apiVersion: v1
kind: Secret
metadata: {name: kept, namespace: app}
---
apiVersion: v1
kind: Service
metadata: {name: [broken}
`))
	snap, err := l.Snapshot()
	if err == nil || !strings.Contains(err.Error(), "document 4") || strings.Contains(err.Error(), "document 1") {
		t.Errorf("errors %v: want the broken Service's, not the ServiceAccount's", err)
	}
	if l.Count() != 3 || len(snap.Pods) != 1 || len(l.Objects) != 1 || l.Objects[0].GetName() != "kept" {
		t.Errorf("count %d, pods %d, kept %d", l.Count(), len(snap.Pods), len(l.Objects))
	}
	strict := &Loader{Strict: true}
	strict.AddReader("in.yaml", strings.NewReader("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n"))
	if _, err := strict.Snapshot(); err == nil {
		t.Errorf("a strict loader reads every kind, to refuse the unknown ones")
	}
}

// TestDirectoryReadInParallelIsReadInOrder: a directory's files are read
// several at once, yet the snapshot is the one reading them one by one
// gives.
func TestDirectoryReadInParallelIsReadInOrder(t *testing.T) {
	dir := t.TempDir()
	var one Loader
	one.Other, one.OtherReads = WorkloadPods, IsWorkloadKind
	for i := range 40 {
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-%02d}\n", i)
		for j := range 5 {
			fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p-%d, namespace: ns-%02d, labels: {app: a%d}}\n", j, i, j%2)
			fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Service\nmetadata: {name: s-%d}\nspec: {selector: {app: a%d}}\n", j, j%2)
		}
		if i == 17 {
			b.WriteString("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {enable-policy: always}\n")
		}
		name := filepath.Join(dir, fmt.Sprintf("f%02d.yaml", i))
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		f, _ := os.Open(name)
		one.AddReader(name, f)
		_ = f.Close()
	}
	var many Loader
	many.Other, many.OtherReads = WorkloadPods, IsWorkloadKind
	many.AddPath(dir)
	a, errA := one.Snapshot()
	b, errB := many.Snapshot()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if errA != nil || errB != nil || string(ja) != string(jb) || one.Count() != many.Count() ||
		strings.Join(one.NoNamespace, ",") != strings.Join(many.NoNamespace, ",") {
		t.Fatalf("read in parallel, the snapshot differs (errors %v, %v; counts %d, %d)", errA, errB, one.Count(), many.Count())
	}
	if len(b.Pods) != 200 || b.CiliumPolicyEnforcement != EnforcementAlways || len(many.NoNamespace) != 200 {
		t.Errorf("pods %d, enforcement %q, without namespace %d", len(b.Pods), b.CiliumPolicyEnforcement, len(many.NoNamespace))
	}
}

// A lenient loader decodes documents of known kinds straight into their Go
// types: the same objects the deserializer gives, unknown fields ignored,
// type errors reported.
func TestLenientTypedDecodeIsTheDeserializers(t *testing.T) {
	docs := []string{
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n","labels":{"app":"web"}},"spec":{"hostNetwork":true,"containers":[{"name":"c","image":"i","ports":[{"name":"http","containerPort":80}]}]},"status":{"phase":"Running"},"extra":1}`,
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n"},"spec":{"type":"LoadBalancer","ports":[{"port":443,"targetPort":"https"}]}}`,
		`{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"np","namespace":"n"},"spec":{"podSelector":{},"policyTypes":["Ingress"],"unknown":true}}`,
		`{"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"HTTPRoute","metadata":{"name":"r","namespace":"n"},"spec":{"hostnames":["a.example"]}}`,
		`{"apiVersion":"cilium.io/v2","kind":"CiliumNetworkPolicy","metadata":{"name":"c","namespace":"n"},"spec":{"endpointSelector":{"matchLabels":{"app":"web"}},"ingress":[{"fromEntities":["world"]}]}}`,
	}
	for _, doc := range docs {
		want, gvk, err := decoder(false).Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := (&Loader{}).decodeTyped([]byte(doc), *gvk)
		if err != nil {
			t.Fatalf("%s: %v", gvk, err)
		}
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(want)
		if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) || string(gotJSON) != string(wantJSON) {
			t.Errorf("%s: %T %s\nwant %T %s", gvk, got, gotJSON, want, wantJSON)
		}
	}
	_, err := (&Loader{}).decodeTyped([]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":1}}}`), schema.GroupVersionKind{Version: "v1", Kind: "Pod"})
	if err == nil || !strings.Contains(err.Error(), "labels") {
		t.Errorf("a type error: %v", err)
	}
	if _, err := (&Loader{Strict: true}).decodeTyped([]byte(docs[0]), schema.GroupVersionKind{Version: "v1", Kind: "Pod"}); err == nil {
		t.Error("a strict loader accepts an unknown field")
	}
}
