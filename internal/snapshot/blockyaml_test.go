package snapshot_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"netinventory.io/netinventory/internal/snapshot"
	"netinventory.io/netinventory/internal/synthetic"
)

// sameAsSigsYAML fails t when the block reader takes doc and gives a value
// other than yaml.YAMLToJSON's (or when that refuses it); it returns
// whether the block reader took it.
func sameAsSigsYAML(t testing.TB, doc []byte) bool {
	t.Helper()
	fast, ok := snapshot.BlockYAMLToJSON(doc)
	if !ok {
		return false
	}
	want, err := yaml.YAMLToJSON(doc)
	if err != nil {
		t.Fatalf("the block reader took a document sigs.k8s.io/yaml refuses (%v):\n%s", err, doc)
	}
	if got, exp := decodeJSON(t, fast), decodeJSON(t, want); !reflect.DeepEqual(got, exp) {
		t.Fatalf("the block reader and sigs.k8s.io/yaml differ on\n%s\nblock: %s\nsigs:  %s", doc, fast, want)
	}
	return true
}

func decodeJSON(t testing.TB, data []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	return v
}

// blockCases are documents, each with whether the block reader is to
// take it (false: left to sigs.k8s.io/yaml, because YAML 1.1 reads it
// some other way than a plain reading suggests, or it is outside the
// block style). Taken or not, the result must equal sigs.k8s.io/yaml's.
var blockCases = []struct {
	name string
	doc  string
	take bool
}{
	{"plain mapping", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: a\n", true},
	{"compact sequence of mappings", "spec:\n  containers:\n  - name: app\n    ports:\n    - containerPort: 8080\n      protocol: TCP\n  - name: side\n", true},
	{"indented sequence", "items:\n    -   a: 1\n        b: two\n    -   c\n", true},
	{"empty collections and null", "a: {}\nb: []\nc:\nd: x\n", true},
	{"null at the end", "a: 1\nb:\n", true},
	{"comments and blank lines", "# head\na: 1 # trailing\n\n  # indented comment\nb:\n  # between\n  c: d\n", true},
	{"quoted scalars", "a: \"yes\"\nb: 'on'\n'c': \"0755\"\n\"d e\": 'f \"g\"'\n", true},
	{"strings with colons and slashes", "image: registry.example/app:1.0.0\nurl: http://x.example/a\ncidr: 10.0.0.0/8\npath: /healthz\nhost: a.b_c\n", true},
	{"decimal integers", "a: 0\nb: 8080\nc: 123456789012345678\n", true},
	{"digits and letters", "uid: 00000000-0000-4000-8000-0000e544feec\nhash: 110bdaff\nh2: 7d4b9c8f5\nport: 8080/TCP\n", true},
	{"underscored integer", "a: 1_000\n", false},
	{"binary", "a: 0b101\n", false},
	{"binary with a sign", "a: 0b+1\n", false},
	{"hex-like hash after 0b", "a: 0b4a9fc0\n", true},
	{"hash in a float's form beyond float64", "a: 3e833491\n", true},
	{"unsigned beyond int64", "a: 18446744073709551615\n", false},
	{"a backslash in a plain scalar", "a: c:\\dir\n", true},
	{"a sentence", "description: Allow the web tier, and only it (on port 80).\n", true},
	{"booleans of YAML 1.1", "a: yes\nb: On\nc: n\nd: FALSE\n", false},
	{"null words", "a: ~\n", false},
	{"true, false and null", "a: true\nb: false\nc: null\n", true},
	{"capitalised booleans", "a: True\n", false},
	{"a boolean key", "on: push\n", false},
	{"octal", "mode: 0755\n", false},
	{"hex", "a: 0x1F\n", false},
	{"float", "a: 1.5\n", false},
	{"exponent", "a: 1e3\n", false},
	{"negative", "a: -1\n", false},
	{"version-like", "a: 1.0.0\n", true},
	{"timestamp (a string when decoded into an interface)", "a: 2001-12-14\n", true},
	{"sexagesimal (not read by go-yaml v2)", "a: 1:30\n", true},
	{"too long an integer", "a: 1234567890123456789012\n", false},
	{"dot float", "a: .5\n", false},
	{"dot string", "a: .hidden\n", true},
	{"inf", "a: .inf\n", false},
	{"multi-line plain scalar", "a: one\n  two\nb: 1\n", false},
	{"block literal", "a: |\n  x\n  y\n", false},
	{"folded", "a: >-\n  x\n", false},
	{"flow mapping", "a: {b: 1}\n", false},
	{"flow sequences of scalars", "a: [1, two, \"3\", 'four', true]\nb: [ x ]\nc: [x,z] # c\nd:\n- [a]\n", true},
	{"flow sequence with a mapping", "a: [b: 1]\n", false},
	{"flow sequence with a float", "a: [1.5]\n", false},
	{"flow sequence with a YAML 1.1 boolean", "a: [x,y]\n", false},
	{"flow sequence with a trailing comma", "a: [1, ]\n", false},
	{"flow sequence in a flow sequence", "a: [[1]]\n", false},
	{"flow sequence over lines", "a: [1,\n  2]\n", false},
	{"flow sequence with a colon", "a: [b:c]\n", false},
	{"flow sequence with a question mark (ends a plain scalar in a flow)", "a: [0?]\n", false},
	{"question mark in a block plain scalar", "a: b?c\n", true},
	{"relative paths", "resources:\n- ../web\n- ./app.yaml\n", true},
	{"dot floats", "a: .5e3\n", false},
	{"dot nan", "a: .NaN\n", false},
	{"anchor and alias", "a: &x 1\nb: *x\n", false},
	{"merge key", "a: &x\n  b: 1\nc:\n  <<: *x\n", false},
	{"tag", "a: !!str 1\n", false},
	{"escaped double quote", "a: \"x\\\"y\"\n", false},
	{"escaped single quote", "a: 'it''s'\n", false},
	{"duplicate key", "a: 1\na: 2\n", false},
	{"duplicate quoted key", "a: 1\n'a': 2\n", false},
	{"nested sequences", "a:\n- - 1\n", false},
	{"entry on the next line", "a:\n-\n  b: 1\n", false},
	{"tab", "a:\t1\n", false},
	{"carriage return", "a: 1\r\nb: 2\r\n", false},
	{"non-ASCII", "a: caf\u00e9\n", false},
	{"hash in a plain scalar", "a: b#c\n", false},
	{"mapping value in a scalar", "a: b: c\n", false},
	{"trailing colon", "a: b:\n", false},
	{"key without a space", "a:b\n", false},
	{"Cilium's source-prefixed label keys", "matchLabels:\n  k8s:app: web\n  any:io.kubernetes.pod.namespace: a\n", true},
	{"key ending in a colon", "a:: b\n", false},
	{"top-level sequence", "- a\n- b\n", false},
	{"top-level scalar", "hello\n", false},
	{"indented document", "  a: 1\n", false},
	{"bad indentation", "a:\n  b: 1\n c: 2\n", false},
	{"sequence at a mapping's column", "a: 1\n- b\n", false},
	{"complex key", "? a\n: b\n", false},
	{"directive", "%YAML 1.1\na: 1\n", false},
	{"document end", "a: 1\n...\n", false},
	{"JSON", "{\"a\": 1}\n", false},
	{"key with a space", "a b: 1\n", false},
	{"empty key", "\"\": 1\n", true},
	{"a key of 1000 bytes", strings.Repeat("k", 1000) + ": 1\n", true},
	{"a key beyond YAML's 1024 characters", "\"" + strings.Repeat("8", 1100) + "\": c\n", false},
	{"a plain key beyond YAML's 1024 characters", strings.Repeat("k", 1100) + ": 1\n", false},
	{"quoted key with a colon", "\"a:b\": c\n", true},
}

func TestBlockYAMLMatchesSigsYAML(t *testing.T) {
	for _, c := range blockCases {
		t.Run(c.name, func(t *testing.T) {
			if took := sameAsSigsYAML(t, []byte(c.doc)); took != c.take {
				t.Errorf("block reader took it: %v, want %v", took, c.take)
			}
		})
	}
}

// TestBlockYAMLMatchesSigsYAMLOnTheRepository reads every document of
// every YAML file in the repository (fixtures, scenarios, chart, CRDs,
// test data) both ways; the export of a real cluster (the homelab
// fixture) is to be read mostly by the block reader.
func TestBlockYAMLMatchesSigsYAMLOnTheRepository(t *testing.T) {
	root := filepath.Join("..", "..")
	homelab := filepath.Join(root, "test", "fixtures", "homelab")
	docs, took, clusterDocs, clusterTook := 0, 0, 0, 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".yml") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		inCluster := strings.HasPrefix(path, homelab+string(filepath.Separator))
		return snapshot.ReadDocuments(bytes.NewReader(data), func(doc []byte, _ int) {
			taken := sameAsSigsYAML(t, doc)
			docs++
			if taken {
				took++
			}
			if inCluster {
				clusterDocs++
				if taken {
					clusterTook++
				}
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("block reader: %d of %d documents of the repository, %d of %d of the cluster's export", took, docs, clusterTook, clusterDocs)
	if docs < 500 || clusterDocs < 100 {
		t.Fatalf("%d documents, %d of the cluster's export: not the corpus this test is for", docs, clusterDocs)
	}
	if clusterTook*10 < clusterDocs*8 {
		t.Errorf("the block reader took %d of the cluster export's %d documents, want at least 80%%", clusterTook, clusterDocs)
	}
}

// TestBlockYAMLReadsWhatKubectlPrints: objects printed as sigs.k8s.io/yaml
// prints them (as kubectl, Helm and kustomize do) are all read by the
// block reader, with the same result.
func TestBlockYAMLReadsWhatKubectlPrints(t *testing.T) {
	byNamespace, err := synthetic.Manifests(2000, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, docs := range byNamespace {
		for _, doc := range docs {
			if !sameAsSigsYAML(t, doc) {
				t.Fatalf("the block reader left to sigs.k8s.io/yaml a document it printed:\n%s", doc)
			}
		}
	}
}

// FuzzBlockYAML: whatever the block reader takes, sigs.k8s.io/yaml reads
// to the same value.
func FuzzBlockYAML(f *testing.F) {
	for _, c := range blockCases {
		f.Add([]byte(c.doc))
	}
	byNamespace, err := synthetic.Manifests(20, 4) // whole objects, as kubectl prints them
	if err != nil {
		f.Fatal(err)
	}
	for _, docs := range byNamespace {
		for _, doc := range docs {
			f.Add(doc)
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		sameAsSigsYAML(t, doc)
	})
}
