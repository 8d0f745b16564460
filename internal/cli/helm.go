package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"netinventory.io/netinventory/internal/gitops/flux"
	"netinventory.io/netinventory/internal/gitops/helmrender"
	"netinventory.io/netinventory/internal/scheme"
	"netinventory.io/netinventory/internal/snapshot"
)

// helmOptions say whether and how HelmReleases are rendered.
type helmOptions struct {
	// render turns rendering on.
	render bool
	// cacheDir keeps the charts fetched.
	cacheDir string
	// offline renders from cacheDir and the repository alone.
	offline bool
}

// defaultChartCache is where charts are kept unless --chart-cache says
// otherwise: $NETINV_CHART_CACHE, else the user's cache directory.
func defaultChartCache() string {
	if dir := os.Getenv("NETINV_CHART_CACHE"); dir != "" {
		return dir
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "netinventory", "charts")
}

// localSources says which Flux sources are the repository being audited:
// the source the Flux build started from, and, for manifests read without
// a Flux build, the GitRepository flux-system/flux-system Flux's bootstrap
// makes; both at the repository's root.
type localSources struct {
	root   string
	source *flux.SourceRef
}

func (s localSources) lookup(kind, namespace, name string) (string, bool) {
	if s.root == "" {
		return "", false
	}
	if s.source != nil {
		return s.root, kind == s.source.Kind && namespace == s.source.Namespace && name == s.source.Name
	}
	return s.root, kind == "GitRepository" && namespace == "flux-system" && name == "flux-system"
}

// helmNeeds says which objects rendering HelmReleases reads: the
// HelmReleases, their sources, the ConfigMaps and Secrets of valuesFrom,
// and CRDs (the API versions charts may ask for).
func helmNeeds(gvk schema.GroupVersionKind) bool {
	switch gvk.Group {
	case "helm.toolkit.fluxcd.io", "source.toolkit.fluxcd.io", "apiextensions.k8s.io":
		return true
	case "":
		return gvk.Kind == "ConfigMap" || gvk.Kind == "Secret"
	}
	return false
}

// renderTimeout bounds rendering one HelmRelease, fetching included.
const renderTimeout = 2 * time.Minute

// rendered is what one HelmRelease renders to.
type rendered struct {
	origin  string
	release *helmrender.Release
	err     error
}

// renderHelmReleases renders every HelmRelease among objects (several at
// once), prints what could not be rendered or was rendered with a caveat,
// one line each, and feeds the rendered objects to the loader, in the
// release's namespace when they name none.
func renderHelmReleases(ctx context.Context, w io.Writer, l *snapshot.Loader, objects []*unstructured.Unstructured, opts helmOptions, local localSources) {
	var releases []*unstructured.Unstructured
	for _, o := range objects {
		if o.GetKind() == "HelmRelease" && o.GroupVersionKind().Group == "helm.toolkit.fluxcd.io" {
			releases = append(releases, o)
		}
	}
	if len(releases) == 0 {
		return
	}
	r := &helmrender.Renderer{CacheDir: opts.cacheDir, Offline: opts.offline, LocalSource: local.lookup, APIVersions: apiVersions(objects)}
	results := make([]rendered, len(releases))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, hr := range releases {
		results[i].origin = "HelmRelease " + hr.GetNamespace() + "/" + hr.GetName()
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rctx, cancel := context.WithTimeout(ctx, renderTimeout) // a registry that never answers
			defer cancel()
			results[i].release, results[i].err = r.Render(rctx, hr, objects)
		}()
	}
	wg.Wait()
	for _, res := range results {
		if res.err != nil {
			fmt.Fprintf(w, "warning: %s not rendered, its objects are not audited: %s\n", res.origin, snapshot.OneLine(trimOrigin(res.err)))
			continue
		}
		for _, warning := range res.release.Warnings {
			fmt.Fprintf(w, "warning: %s: %s\n", res.origin, snapshot.OneLine(warning))
		}
		built := make([]flux.Object, len(res.release.Objects))
		for i, o := range res.release.Objects {
			built[i] = flux.Object{Unstructured: o, By: res.origin}
		}
		for _, o := range flux.Namespaces(built) {
			o.SetNamespace(res.release.Namespace) // as Helm installs them
		}
		for _, o := range built {
			l.AddObject(res.origin, o.Unstructured)
		}
	}
}

// trimOrigin drops the "HelmRelease ns/name: " the renderer's errors start
// with: the warning names it already.
func trimOrigin(err error) string {
	var e *helmrender.Error
	if errors.As(err, &e) {
		return e.Err.Error()
	}
	return err.Error()
}

// apiVersions are the API versions charts see as .Capabilities.APIVersions:
// every kind the inventory's scheme knows, and the CRDs among the objects.
func apiVersions(objects []*unstructured.Unstructured) []string {
	set := map[string]bool{}
	for gvk := range scheme.Scheme.AllKnownTypes() {
		set[gvk.GroupVersion().String()] = true
		set[gvk.GroupVersion().String()+"/"+gvk.Kind] = true
	}
	for _, o := range objects {
		crd, _ := flux.ReadCRD(o) // no versions when not a CRD
		for _, version := range crd.Versions {
			set[crd.Group+"/"+version] = true
			set[crd.Group+"/"+version+"/"+crd.Kind] = true
		}
	}
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}
