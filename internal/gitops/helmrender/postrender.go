package helmrender

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"github.com/fluxcd/pkg/apis/kustomize"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// kustomizeMutex serializes kustomize builds: kustomize's builtin plugin
// tables are not safe for concurrent builds.
var kustomizeMutex sync.Mutex

// postRenderAll applies hr's post-renderers to the manifest and hooks of a
// release by hr's spec.postRenderStrategy: nohooks (Helm 3) post-renders the
// manifest only, separate each on its own, combined (the default, Helm 4's)
// both in one stream, the hooks told apart by their annotation afterwards.
func postRenderAll(manifest, hooks []*unstructured.Unstructured, hr *helmv2.HelmRelease) ([]*unstructured.Unstructured, []*unstructured.Unstructured, error) {
	prs := hr.Spec.PostRenderers
	if len(prs) == 0 {
		return manifest, hooks, nil
	}
	var err error
	switch hr.GetPostRenderStrategy() {
	case helmv2.PostRenderStrategyNoHooks:
		manifest, err = postRender(manifest, prs)
	case helmv2.PostRenderStrategySeparate:
		if manifest, err = postRender(manifest, prs); err == nil {
			hooks, err = postRender(hooks, prs)
		}
	default:
		var all []*unstructured.Unstructured
		if all, err = postRender(append(manifest, hooks...), prs); err == nil {
			manifest, hooks = nil, nil
			for _, o := range all {
				if isHook(o) {
					hooks = append(hooks, o)
				} else {
					manifest = append(manifest, o)
				}
			}
		}
	}
	return manifest, hooks, err
}

// postRender applies spec.postRenderers to the rendered objects, in order,
// as helm-controller does: each kustomize post-renderer is a kustomization
// of the objects with its patches and images.
func postRender(objs []*unstructured.Unstructured, renderers []helmv2.PostRenderer) ([]*unstructured.Unstructured, error) {
	for i, pr := range renderers {
		k := pr.Kustomize
		if k == nil || (len(k.Patches) == 0 && len(k.Images) == 0) || len(objs) == 0 {
			continue
		}
		out, err := kustomizeObjects(objs, k)
		if err != nil {
			return nil, fmt.Errorf("spec.postRenderers[%d]: %w", i, err)
		}
		if objs, err = parseManifest(string(out), fmt.Sprintf("spec.postRenderers[%d]", i)); err != nil {
			return nil, err
		}
	}
	return objs, nil
}

func kustomizeObjects(objs []*unstructured.Unstructured, k *helmv2.Kustomize) ([]byte, error) {
	var input bytes.Buffer
	for _, o := range objs {
		b, err := yaml.Marshal(o.Object)
		if err != nil {
			return nil, err
		}
		input.WriteString("---\n")
		input.Write(b)
	}
	kust := kustypes.Kustomization{
		TypeMeta:  kustypes.TypeMeta{APIVersion: kustypes.KustomizationVersion, Kind: kustypes.KustomizationKind},
		Resources: []string{"helm-output.yaml"},
	}
	for _, img := range k.Images {
		kust.Images = append(kust.Images, kustypes.Image{Name: img.Name, NewName: img.NewName, NewTag: img.NewTag, Digest: img.Digest})
	}
	for _, p := range k.Patches {
		kust.Patches = append(kust.Patches, kustypes.Patch{Patch: p.Patch, Target: selector(p.Target)})
	}
	kustYAML, err := json.Marshal(kust)
	if err != nil {
		return nil, err
	}
	fs := filesys.MakeFsInMemory()
	if err := fs.WriteFile("helm-output.yaml", input.Bytes()); err != nil {
		return nil, err
	}
	if err := fs.WriteFile("kustomization.yaml", kustYAML); err != nil {
		return nil, err
	}

	kustomizeMutex.Lock()
	defer kustomizeMutex.Unlock()
	resMap, err := krusty.MakeKustomizer(&krusty.Options{
		Reorder:          krusty.ReorderOptionNone,
		LoadRestrictions: kustypes.LoadRestrictionsRootOnly,
		PluginConfig:     kustypes.DisabledPluginConfig(),
	}).Run(fs, ".")
	if err != nil {
		return nil, err
	}
	return resMap.AsYaml()
}

func selector(s *kustomize.Selector) *kustypes.Selector {
	if s == nil {
		return nil
	}
	out := &kustypes.Selector{LabelSelector: s.LabelSelector, AnnotationSelector: s.AnnotationSelector}
	out.Group, out.Version, out.Kind = s.Group, s.Version, s.Kind
	out.Name, out.Namespace = s.Name, s.Namespace
	return out
}
