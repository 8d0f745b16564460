package flux

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	fluxkustomize "github.com/fluxcd/pkg/kustomize"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// kustomizeMu serialises the builds, both ways: kustomize's OpenAPI schema
// is global, and a build that resets it must not run while another reads
// it.
var kustomizeMu sync.Mutex

// runKustomize builds dir as fluxkustomize.Build does. That one parses
// kustomize's built-in OpenAPI schema again for every build, so that a
// schema a kustomization chooses (its openapi field) does not leak into
// the next build: more than half of the time a repository of a hundred
// Kustomizations takes. When no kustomization of the repository chooses a
// schema, every build uses the built-in one and it is kept from one build
// to the next; otherwise each build goes through fluxkustomize.Build.
func (b *builder) runKustomize(fsys filesys.FileSystem, dir string) (resmap.ResMap, error) {
	isolate := b.isolateSchemas || b.choosesSchema()
	kustomizeMu.Lock()
	defer kustomizeMu.Unlock()
	if isolate {
		return fluxkustomize.Build(fsys, dir)
	}
	return buildWithBuiltInSchema(fsys, dir)
}

// buildWithBuiltInSchema is fluxkustomize.Build (no load restrictions, no
// plugins but the built-in ones, a panic made an error) without resetting
// kustomize's OpenAPI schema before and after the build.
func buildWithBuiltInSchema(fsys filesys.FileSystem, dir string) (res resmap.ResMap, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered from kustomize build panic: %v", r)
		}
	}()
	k := krusty.MakeKustomizer(&krusty.Options{
		LoadRestrictions: kustypes.LoadRestrictionsNone,
		PluginConfig:     kustypes.DisabledPluginConfig(),
	})
	return k.Run(fsys, dir)
}

// choosesSchema says whether a kustomization file under the repository's
// root has an openapi field (or cannot be read to tell); it reads them
// once per build of the repository.
func (b *builder) choosesSchema() bool {
	if b.schemaChosen == nil {
		chosen := kustomizationChoosesSchema(b.opts.Root)
		b.schemaChosen = &chosen
	}
	return *b.schemaChosen
}

// kustomizationChoosesSchema walks root for kustomization files and says
// whether one has an openapi field, or cannot be read or parsed.
func kustomizationChoosesSchema(root string) bool {
	names := map[string]bool{}
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		names[n] = true
	}
	chosen := false
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.IsDir() || !names[d.Name()] {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var k struct {
			OpenAPI map[string]string `json:"openapi"`
		}
		if err := yaml.Unmarshal(data, &k); err != nil || len(k.OpenAPI) > 0 {
			chosen = true
			return filepath.SkipAll
		}
		return nil
	})
	return chosen || err != nil
}
