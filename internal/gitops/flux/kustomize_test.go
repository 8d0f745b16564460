package flux

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestKeepingTheBuiltInSchemaBuildsWhatFluxBuilds: every cluster of the
// fixture repository builds to the same objects, problems and order
// whether kustomize's schema is kept between builds or parsed afresh for
// each, as fluxkustomize.Build does.
func TestKeepingTheBuiltInSchemaBuildsWhatFluxBuilds(t *testing.T) {
	found, err := FindKustomizations(repo)
	if err != nil {
		t.Fatal(err)
	}
	root := RepositoryRoot(repo, found)
	if kustomizationChoosesSchema(root) {
		t.Fatal("a kustomization of the fixture repository chooses an OpenAPI schema: the kept schema is not what this test runs")
	}
	for _, c := range Clusters(root, found) {
		kept := newBuilder(Options{Root: root, Known: found}).buildRoots(c.Roots)
		b := newBuilder(Options{Root: root, Known: found})
		b.isolateSchemas = true
		isolated := b.buildRoots(c.Roots)
		if len(kept.Objects) == 0 {
			t.Fatalf("%s: nothing built", c.Dir)
		}
		if !reflect.DeepEqual(kept, isolated) {
			t.Errorf("%s: the builds differ:\nkept     %v\nisolated %v\nproblems %v / %v", c.Dir, ids(kept), ids(isolated), kept.Problems, isolated.Problems)
		}
	}
}

// TestAKustomizationChoosingASchemaMakesEveryBuildIsolated: a kustomization
// with an openapi field anywhere in the repository (or one that cannot be
// parsed) makes every build parse the schema afresh.
func TestAKustomizationChoosingASchemaMakesEveryBuildIsolated(t *testing.T) {
	for name, c := range map[string]struct {
		file, content string
		chooses       bool
	}{
		"custom schema":       {"apps/a/kustomization.yaml", "resources: [x.yaml]\nopenapi:\n  path: schema.json\n", true},
		"built-in version":    {"apps/b/Kustomization", "openapi:\n  version: v1.21.2\n", true},
		"unreadable":          {"apps/c/kustomization.yml", "resources: [\n", true},
		"no schema":           {"apps/d/kustomization.yaml", "resources:\n- x.yaml\n", false},
		"not a kustomization": {"apps/e/values.yaml", "openapi:\n  path: schema.json\n", false},
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			path := filepath.Join(root, c.file)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := kustomizationChoosesSchema(root); got != c.chooses {
				t.Errorf("chooses a schema: %v, want %v", got, c.chooses)
			}
		})
	}
}
