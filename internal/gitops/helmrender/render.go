// Package helmrender renders Flux HelmReleases into the objects Helm would
// install, with the Helm SDK and the rules of Flux's helm-controller and
// source-controller: where the chart comes from (HelmRepository over HTTP or
// OCI, OCIRepository, HelmChart, or a GitRepository/Bucket that is the
// repository being audited), which version a constraint resolves to, how
// valuesFrom and values merge, and what the release is named.
//
// Rendering is client-only: no cluster is contacted. Charts and repository
// indexes can be kept in a cache directory, and a Renderer in offline mode
// renders from that cache alone, without any network access.
package helmrender

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"github.com/google/go-containerregistry/pkg/authn"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// DefaultKubeVersion is the .Capabilities.KubeVersion charts see when
// Renderer.KubeVersion is empty.
const DefaultKubeVersion = "v1.37.2"

// Size limits on what is read from the network, the cache or the objects of
// the build. The chart and index limits are source-controller's defaults.
const (
	// MaxIndexSize bounds a HelmRepository's index.yaml.
	MaxIndexSize = 50 << 20
	// MaxChartSize bounds a packaged chart (.tgz), before decompression;
	// Helm's loader bounds the decompressed size.
	MaxChartSize = 10 << 20
	// MaxValuesSize bounds one valuesFrom document and spec.values.
	MaxValuesSize = 4 << 20
)

var (
	// ErrNotCached is wrapped by the error of an offline Render whose chart,
	// repository index or OCI tag is not in the cache.
	ErrNotCached = errors.New("not in the chart cache")
	// ErrSourceNotAvailable is wrapped by the error of a Render whose chart
	// is in a GitRepository, Bucket or ExternalArtifact that is not the
	// repository being audited (Renderer.LocalSource does not know it):
	// its content cannot be read.
	ErrSourceNotAvailable = errors.New("source not available offline")
)

// Renderer renders Flux HelmReleases with the Helm SDK. Its fields are
// read-only once Render has been called; Render may then be called from
// several goroutines. A Renderer must not be copied after first use.
type Renderer struct {
	// CacheDir keeps what is fetched: HTTP repository indexes and charts,
	// OCI tag lists, manifests and chart layers, under a directory per
	// source URL (see the package's cache.go for the layout). Empty: no
	// cache; what a Render needs is fetched (repository indexes and tag
	// lists once per Renderer).
	CacheDir string

	// Offline renders from CacheDir and local sources only: no network
	// access at all. A chart, index or tag missing from the cache is an
	// error naming the HelmRelease and the chart, wrapping ErrNotCached.
	Offline bool

	// LocalSource tells whether a GitRepository, Bucket or OCIRepository is
	// the repository being audited, and where it is checked out: charts
	// from it are read from that directory (at the chart's path for a
	// GitRepository or Bucket; the directory is the chart for an
	// OCIRepository). Nil: no source is local.
	LocalSource func(kind, namespace, name string) (dir string, ok bool)

	// KubeVersion is .Capabilities.KubeVersion (DefaultKubeVersion when
	// empty).
	KubeVersion string

	// APIVersions are added to Helm's default .Capabilities.APIVersions
	// (the built-in Kubernetes APIs): group/version and
	// group/version/Kind entries, e.g. gateway.networking.k8s.io/v1 and
	// gateway.networking.k8s.io/v1/HTTPRoute.
	APIVersions []string

	// HTTPClient fetches from HTTP chart repositories; its Transport is
	// used for OCI registries too. Nil: a client with a 2 minute timeout
	// and http.DefaultTransport.
	HTTPClient *http.Client

	// PlainHTTP lets every OCI registry be reached over plain HTTP (HTTPS
	// is still tried first). Without it only HTTPS is used, except for a
	// source with spec.insecure: true (as Flux allows) and for registries at
	// loopback, *.local and private (RFC 1918) addresses, which
	// go-containerregistry always lets fall back to plain HTTP.
	PlainHTTP bool

	// Keychain finds credentials for OCI registries (for instance
	// authn.DefaultKeychain, the Docker configuration). Nil: anonymous.
	// Flux's spec.secretRef Secrets are never read.
	Keychain authn.Keychain

	mu      sync.Mutex
	indexes map[string][]byte   // HTTP repository indexes fetched, by URL
	tags    map[string][]string // OCI tags listed, by repository
}

// Release is what one HelmRelease renders to.
type Release struct {
	// Name and Namespace are the Helm release's, as helm-controller
	// computes them: spec.releaseName, or [targetNamespace-]name, shortened
	// with a hash when longer than 53 characters; spec.targetNamespace or
	// the HelmRelease's namespace.
	Name, Namespace string

	// Chart and Version are the name and version of the chart rendered.
	Chart, Version string

	// Objects are the rendered objects, in the order Helm installs them:
	// the chart's CRDs (crds/ directories, unless spec.install.crds is
	// Skip), the manifest (templates), then the install hooks that remain
	// in the cluster after the install (pre- and post-install hooks not
	// deleted on success; none with spec.install.disableHooks). They are
	// post-rendered (spec.postRenderers), carry spec.commonMetadata and
	// helm-controller's helm.toolkit.fluxcd.io/name and /namespace labels.
	// An object's namespace is left empty where the chart sets none: the
	// caller defaults it to Namespace (for namespaced kinds).
	Objects []*unstructured.Unstructured

	// Warnings are what the rendering could not honor, one line each: a
	// valuesFrom Secret not read, a missing ConfigMap or key, chart
	// dependencies missing, a deprecated field helm-controller ignores.
	Warnings []string
}

// Error is the error Render returns: why one HelmRelease could not be
// rendered. Its message is one line that names the HelmRelease.
type Error struct {
	Namespace, Name string // the HelmRelease
	Err             error
}

func (e *Error) Error() string {
	return oneLine(fmt.Sprintf("HelmRelease %s/%s: %v", e.Namespace, e.Name, e.Err))
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// oneLine folds a message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Render renders hr, a HelmRelease (helm.toolkit.fluxcd.io/v2) as
// unstructured, using objects (all the objects of the build: HelmRepository,
// OCIRepository, GitRepository, HelmChart, ConfigMap, Secret...) to find its
// chart source and its valuesFrom. An object without a namespace is taken to
// be in "default", the HelmRelease included. Errors are *Error.
func (r *Renderer) Render(ctx context.Context, hr *unstructured.Unstructured, objects []*unstructured.Unstructured) (rel *Release, err error) {
	if hr == nil {
		return nil, errors.New("HelmRelease: nil object")
	}
	ns, name := namespaceOf(hr), hr.GetName()
	defer func() {
		if p := recover(); p != nil {
			rel, err = nil, &Error{Namespace: ns, Name: name, Err: fmt.Errorf("rendering failed: %v", p)}
		}
	}()
	rel, err = r.render(ctx, hr, objects)
	if err != nil {
		return nil, &Error{Namespace: ns, Name: name, Err: err}
	}
	return rel, nil
}

func (r *Renderer) render(ctx context.Context, u *unstructured.Unstructured, objects []*unstructured.Unstructured) (*Release, error) {
	if gv := u.GroupVersionKind(); gv.Group != helmv2.GroupVersion.Group || gv.Kind != "HelmRelease" {
		return nil, fmt.Errorf("not a HelmRelease (%s %s)", u.GetAPIVersion(), u.GetKind())
	}
	hr := &helmv2.HelmRelease{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, hr); err != nil {
		return nil, fmt.Errorf("invalid HelmRelease: %w", err)
	}
	hr.Namespace = namespaceOf(u)

	rel := &Release{Name: ReleaseName(hr), Namespace: hr.GetReleaseNamespace()}
	warn := func(format string, args ...any) {
		rel.Warnings = append(rel.Warnings, oneLine(fmt.Sprintf(format, args...)))
	}
	idx := newObjectIndex(objects)
	if v := u.GroupVersionKind().Version; v != helmv2.GroupVersion.Version {
		warn("%s is read as %s: its fields that %s does not have are ignored", u.GetAPIVersion(), helmv2.GroupVersion, helmv2.GroupVersion.Version)
	}

	install := hr.GetInstall()
	crdPolicy := install.CRDs
	switch crdPolicy {
	case "":
		crdPolicy = helmv2.Create
	case helmv2.Skip, helmv2.Create, helmv2.CreateReplace:
	default:
		return nil, fmt.Errorf("invalid spec.install.crds %q: valid values are %s, %s and %s",
			crdPolicy, helmv2.Skip, helmv2.Create, helmv2.CreateReplace)
	}
	if install.SkipCRDs && install.CRDs == "" {
		warn("spec.install.skipCRDs is deprecated and ignored by helm-controller (use spec.install.crds: Skip): CRDs are installed")
	}
	if hr.Spec.KubeConfig != nil {
		warn("spec.kubeConfig: the release is installed in another cluster")
	}

	ch, err := r.loadChart(ctx, hr, idx)
	if err != nil {
		return nil, err
	}
	rel.Chart, rel.Version = ch.Name(), ch.Metadata.Version
	if err := action.CheckDependencies(ch, ch.Metadata.Dependencies); err != nil {
		warn("chart %s %s: dependencies not rendered: %v", ch.Name(), ch.Metadata.Version, err)
	}

	values, err := chartValues(hr, idx, warn)
	if err != nil {
		return nil, err
	}

	objs, err := r.install(ctx, hr, rel, ch, values, crdPolicy != helmv2.Skip)
	if err != nil {
		return nil, err
	}
	rel.Objects = objs
	return rel, nil
}

// install renders ch with Helm's install action in client-only dry-run mode
// and returns the objects of the release.
func (r *Renderer) install(ctx context.Context, hr *helmv2.HelmRelease, rel *Release, ch *chart.Chart, values map[string]any, crds bool) ([]*unstructured.Unstructured, error) {
	kubeVersion := r.KubeVersion
	if kubeVersion == "" {
		kubeVersion = DefaultKubeVersion
	}
	kv, err := chartutil.ParseKubeVersion(kubeVersion)
	if err != nil {
		return nil, fmt.Errorf("kube version %q: %w", kubeVersion, err)
	}

	cfg := &action.Configuration{Log: func(string, ...any) {}}
	in := action.NewInstall(cfg)
	in.ReleaseName = rel.Name
	in.Namespace = rel.Namespace
	in.DryRun = true
	in.DryRunOption = "client"
	in.ClientOnly = true
	in.Replace = true
	in.SkipCRDs = true // the CRDs are read from the chart below, as helm-controller applies them itself
	in.IncludeCRDs = false
	in.KubeVersion = kv
	in.APIVersions = chartutil.VersionSet(append([]string(nil), r.APIVersions...))
	in.DisableHooks = hr.GetInstall().DisableHooks
	in.SkipSchemaValidation = hr.GetInstall().DisableSchemaValidation
	in.Devel = true

	res, err := in.RunWithContext(ctx, ch, values)
	if err != nil {
		return nil, fmt.Errorf("chart %s %s: %w", ch.Name(), ch.Metadata.Version, err)
	}

	var objs []*unstructured.Unstructured
	if crds {
		for _, crd := range ch.CRDObjects() {
			o, err := parseManifest(string(crd.File.Data), crd.Filename)
			if err != nil {
				return nil, fmt.Errorf("chart %s %s: %w", ch.Name(), ch.Metadata.Version, err)
			}
			setOriginLabels(o, hr)
			objs = append(objs, o...)
		}
	}
	manifest, err := parseManifest(res.Manifest, "")
	if err != nil {
		return nil, fmt.Errorf("chart %s %s: %w", ch.Name(), ch.Metadata.Version, err)
	}
	var hooks []*unstructured.Unstructured
	for _, h := range res.Hooks {
		o, err := parseManifest(h.Manifest, h.Path)
		if err != nil {
			return nil, fmt.Errorf("chart %s %s: %w", ch.Name(), ch.Metadata.Version, err)
		}
		hooks = append(hooks, o...)
	}
	if manifest, hooks, err = postRenderAll(manifest, hooks, hr); err != nil {
		return nil, err
	}
	if !hr.GetInstall().DisableHooks {
		manifest = append(manifest, installHooks(hooks)...)
	}
	for _, o := range manifest {
		setCommonMetadata(o, hr.Spec.CommonMetadata)
		setOriginLabels([]*unstructured.Unstructured{o}, hr)
		objs = append(objs, o)
	}
	return objs, nil
}

// namespaceOf is an object's namespace, "default" when it has none.
func namespaceOf(u *unstructured.Unstructured) string {
	if ns := u.GetNamespace(); ns != "" {
		return ns
	}
	return "default"
}
