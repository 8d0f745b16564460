package helmrender

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"helm.sh/helm/v3/pkg/release"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"netinventory.io/netinventory/internal/snapshot"
)

// documentSeparator splits a YAML stream into documents, as Helm does.
var documentSeparator = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?$`)

// parseManifest parses a stream of YAML documents into objects; a List is
// flattened into its items. source names the file for errors; Helm's
// "# Source:" comments name it in a release manifest.
func parseManifest(manifest, source string) ([]*unstructured.Unstructured, error) {
	var objs []*unstructured.Unstructured
	for _, doc := range documentSeparator.Split(manifest, -1) {
		src := source
		if i := strings.Index(doc, "# Source: "); i >= 0 {
			src, _, _ = strings.Cut(doc[i+len("# Source: "):], "\n")
		}
		j, err := snapshot.YAMLToJSON([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("%s: invalid YAML: %w", src, err)
		}
		// utiljson keeps integers int64, as unstructured objects want them.
		var m map[string]any
		if err := utiljson.Unmarshal(j, &m); err != nil {
			return nil, fmt.Errorf("%s: not an object: %w", src, err)
		}
		if len(m) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		if u.GetAPIVersion() == "" || u.GetKind() == "" {
			return nil, fmt.Errorf("%s: an object without apiVersion or kind", src)
		}
		if u.IsList() {
			err := u.EachListItem(func(o runtime.Object) error {
				item, ok := o.(*unstructured.Unstructured)
				if !ok || item.GetAPIVersion() == "" || item.GetKind() == "" {
					return fmt.Errorf("%s: a %s item without apiVersion or kind", src, u.GetKind())
				}
				objs = append(objs, item)
				return nil
			})
			if err != nil {
				return nil, err
			}
			continue
		}
		objs = append(objs, u)
	}
	return objs, nil
}

// installHooks are the hook objects that remain in the cluster once
// helm-controller has installed a release: hooks run on install (pre-install,
// post-install) whose delete policy does not remove them when they succeed.
// Test hooks run only on tests, and upgrade, rollback and delete hooks not on
// an install. Helm reads both from the objects' annotations.
func installHooks(hooks []*unstructured.Unstructured) []*unstructured.Unstructured {
	var kept []*unstructured.Unstructured
	for _, o := range hooks {
		events := annotationList(o, release.HookAnnotation)
		onInstall := slices.Contains(events, string(release.HookPreInstall)) || slices.Contains(events, string(release.HookPostInstall))
		if onInstall && !slices.Contains(annotationList(o, release.HookDeleteAnnotation), string(release.HookSucceeded)) {
			kept = append(kept, o)
		}
	}
	return kept
}

// annotationList is a comma-separated annotation, as Helm reads its hook
// annotations.
func annotationList(o *unstructured.Unstructured, key string) []string {
	v, ok := o.GetAnnotations()[key]
	if !ok {
		return nil
	}
	var list []string
	for _, s := range strings.Split(v, ",") {
		list = append(list, strings.ToLower(strings.TrimSpace(s)))
	}
	return list
}

// isHook tells a hook object, by its annotation, as Helm does.
func isHook(o *unstructured.Unstructured) bool {
	_, ok := o.GetAnnotations()[release.HookAnnotation]
	return ok
}

// setOriginLabels labels objects with the HelmRelease they come from, as
// helm-controller does.
func setOriginLabels(objs []*unstructured.Unstructured, hr *helmv2.HelmRelease) {
	for _, o := range objs {
		mergeStringMap(o.GetLabels, o.SetLabels, map[string]string{
			helmv2.GroupVersion.Group + "/name":      hr.Name,
			helmv2.GroupVersion.Group + "/namespace": hr.Namespace,
		})
	}
}

// setCommonMetadata sets spec.commonMetadata's labels and annotations on an
// object, over its own.
func setCommonMetadata(o *unstructured.Unstructured, cm *helmv2.CommonMetadata) {
	if cm == nil {
		return
	}
	mergeStringMap(o.GetLabels, o.SetLabels, cm.Labels)
	mergeStringMap(o.GetAnnotations, o.SetAnnotations, cm.Annotations)
}

func mergeStringMap(get func() map[string]string, set func(map[string]string), add map[string]string) {
	if len(add) == 0 {
		return
	}
	m := get()
	if m == nil {
		m = make(map[string]string, len(add))
	}
	for k, v := range add {
		m[k] = v
	}
	set(m)
}
