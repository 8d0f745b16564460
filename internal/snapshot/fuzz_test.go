package snapshot

import (
	"bytes"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the YAML loader: it may refuse them,
// but must never panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Service, metadata: {name: s}}]\n---\n"))
	f.Add([]byte("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: c}\nspec: {endpointSelector: {}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, strict := range []bool{true, false} {
			l := &Loader{Strict: strict}
			l.AddReader("fuzz.yaml", bytes.NewReader(data))
			_, _ = l.Snapshot()
		}
	})
}
