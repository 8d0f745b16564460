package helmrender

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"helm.sh/helm/v3/pkg/chart"
)

// Media types of Helm chart layers in OCI artifacts.
const (
	helmChartLayerMediaType       = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	legacyHelmChartLayerMediaType = "application/tar+gzip"
)

// maxManifestSize bounds an OCI manifest.
const maxManifestSize = 4 << 20

// tagPattern is what an OCI tag may be.
var tagPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// ociSelector says which artifact of an OCI repository to take: by digest,
// else the highest tag in a semver range (optionally filtered by a regular
// expression), else a tag (default latest).
type ociSelector struct {
	tag, semver, semverFilter, digest string
	// helmTags: the tags are Helm's, where '_' stands for '+'.
	helmTags bool
}

// String describes the selector for errors: " digest sha256:…", " semver
// 1.x" or " tag latest".
func (s ociSelector) String() string {
	switch {
	case s.digest != "":
		return " digest " + s.digest
	case s.semver != "":
		if s.semverFilter != "" {
			return fmt.Sprintf(" semver %s filter %s", s.semver, s.semverFilter)
		}
		return " semver " + s.semver
	case s.tag != "":
		return " tag " + s.tag
	}
	return " tag latest"
}

// fromOCIHelmRepository loads a chart from a HelmRepository of type oci: the
// chart is the repository <url>/<name>, its versions the tags; a version
// that is an exact SemVer is taken as the tag itself, as source-controller
// does.
func (r *Renderer) fromOCIHelmRepository(ctx context.Context, repoURL, name, constraint string, insecure bool) (*chart.Chart, error) {
	sel := ociSelector{semver: constraint, helmTags: true}
	if _, err := parseVersion(constraint); err == nil {
		sel = ociSelector{tag: strings.ReplaceAll(constraint, "+", "_")}
	}
	return r.fromOCI(ctx, strings.TrimSuffix(repoURL, "/")+"/"+name, sel, insecure, "")
}

// fromOCI loads the chart of an OCI artifact: the layer of the given media
// type, else the Helm chart layer, else the first layer.
func (r *Renderer) fromOCI(ctx context.Context, ociURL string, sel ociSelector, insecure bool, mediaType string) (*chart.Chart, error) {
	ref, ok := strings.CutPrefix(ociURL, "oci://")
	if !ok {
		return nil, fmt.Errorf("invalid URL %q: an oci:// URL is needed", ociURL)
	}
	ref = strings.TrimSuffix(ref, "/")
	var opts []name.Option
	if insecure || r.PlainHTTP {
		opts = append(opts, name.Insecure)
	}
	repo, err := name.NewRepository(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q: %w", ociURL, err)
	}
	dir := r.sourceCacheDir("oci", ref)
	o := &ociSource{r: r, ctx: ctx, repo: repo, dir: dir, url: ref}

	var m *v1.Manifest
	switch {
	case sel.digest != "":
		h, err := v1.NewHash(sel.digest)
		if err != nil {
			return nil, fmt.Errorf("invalid digest %q: %w", sel.digest, err)
		}
		if m, err = o.manifestByDigest(h); err != nil {
			return nil, err
		}
	default:
		tag := sel.tag
		if sel.semver != "" {
			tags, err := o.tags()
			if err != nil {
				return nil, err
			}
			if tag, err = pickTag(tags, sel); err != nil {
				return nil, err
			}
		}
		if tag == "" {
			tag = "latest"
		}
		if !tagPattern.MatchString(tag) {
			return nil, fmt.Errorf("invalid tag %q", tag)
		}
		if m, err = o.manifestByTag(tag); err != nil {
			return nil, err
		}
	}
	layer, err := selectLayer(m, mediaType)
	if err != nil {
		return nil, err
	}
	data, err := o.blob(layer)
	if err != nil {
		return nil, err
	}
	return loadArchive(data)
}

// pickTag is the highest tag that satisfies the selector's semver range,
// among the tags that match its filter.
func pickTag(tags []string, sel ociSelector) (string, error) {
	constraint := sel.semver
	if constraint == "" {
		constraint = "*"
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return "", fmt.Errorf("invalid semver range %q: %w", constraint, err)
	}
	var filter *regexp.Regexp
	if sel.semverFilter != "" {
		if filter, err = regexp.Compile(sel.semverFilter); err != nil {
			return "", fmt.Errorf("invalid semverFilter %q: %w", sel.semverFilter, err)
		}
	}
	best, bestV := "", (*semver.Version)(nil)
	for _, t := range tags {
		if filter != nil && !filter.MatchString(t) {
			continue
		}
		s := t
		if sel.helmTags {
			s = strings.ReplaceAll(s, "_", "+")
		}
		v, err := parseVersion(s)
		if err != nil || !c.Check(v) {
			continue
		}
		if bestV == nil || v.GreaterThan(bestV) {
			best, bestV = t, v
		}
	}
	if bestV == nil {
		return "", fmt.Errorf("no tag matches %q (the repository has %s)", constraint, listSome(tags))
	}
	return best, nil
}

// selectLayer is the layer of a manifest holding the chart.
func selectLayer(m *v1.Manifest, mediaType string) (v1.Descriptor, error) {
	if len(m.Layers) == 0 {
		return v1.Descriptor{}, fmt.Errorf("the artifact has no layers")
	}
	if mediaType != "" {
		for _, l := range m.Layers {
			if string(l.MediaType) == mediaType {
				return l, nil
			}
		}
		return v1.Descriptor{}, fmt.Errorf("the artifact has no layer of media type %s", mediaType)
	}
	for _, l := range m.Layers {
		if l.MediaType == helmChartLayerMediaType || l.MediaType == legacyHelmChartLayerMediaType {
			return l, nil
		}
	}
	return m.Layers[0], nil
}

// ociSource reads one OCI repository, through the cache.
type ociSource struct {
	r    *Renderer
	ctx  context.Context
	repo name.Repository
	dir  string // cache directory, "" without a cache
	url  string // host/path
}

func (o *ociSource) options() []remote.Option {
	opts := []remote.Option{remote.WithContext(o.ctx)}
	if o.r.Keychain != nil {
		opts = append(opts, remote.WithAuthFromKeychain(o.r.Keychain))
	} else {
		opts = append(opts, remote.WithAuth(authn.Anonymous))
	}
	if o.r.HTTPClient != nil && o.r.HTTPClient.Transport != nil {
		opts = append(opts, remote.WithTransport(o.r.HTTPClient.Transport))
	}
	return opts
}

// tags lists the repository's tags: once per Renderer (and cached) online,
// from the cache offline.
func (o *ociSource) tags() ([]string, error) {
	o.r.mu.Lock()
	tags, ok := o.r.tags[o.url]
	o.r.mu.Unlock()
	if ok {
		return tags, nil
	}
	if o.r.Offline {
		data, found, err := readCache(o.dir, "tags.json", maxManifestSize)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, o.r.notCached("the tag list")
		}
		if err := json.Unmarshal(data, &tags); err != nil {
			return nil, fmt.Errorf("chart cache: tags of %s: %w", o.url, err)
		}
	} else {
		var err error
		if tags, err = remote.List(o.repo, o.options()...); err != nil {
			return nil, fmt.Errorf("listing tags: %w", err)
		}
		data, _ := json.Marshal(tags)
		if err := writeCache(o.dir, o.url, "tags.json", data); err != nil {
			return nil, err
		}
	}
	o.r.mu.Lock()
	if o.r.tags == nil {
		o.r.tags = map[string][]string{}
	}
	o.r.tags[o.url] = tags
	o.r.mu.Unlock()
	return tags, nil
}

// manifestByTag resolves a tag: in the registry online (the cache keeps what
// it resolved to), in the cache offline.
func (o *ociSource) manifestByTag(tag string) (*v1.Manifest, error) {
	if o.r.Offline {
		d, found, err := readCache(o.dir, "tags/"+tag, 1024)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, o.r.notCached("tag " + tag)
		}
		h, err := v1.NewHash(strings.TrimSpace(string(d)))
		if err != nil {
			return nil, fmt.Errorf("chart cache: tag %s of %s: %w", tag, o.url, err)
		}
		return o.manifestByDigest(h)
	}
	m, h, err := o.fetchManifest(o.repo.Tag(tag))
	if err != nil {
		return nil, fmt.Errorf("tag %s: %w", tag, err)
	}
	if err := writeCache(o.dir, o.url, "tags/"+tag, []byte(h.String()+"\n")); err != nil {
		return nil, err
	}
	return m, nil
}

// manifestByDigest reads a manifest from the cache, else from the registry
// (online).
func (o *ociSource) manifestByDigest(h v1.Hash) (*v1.Manifest, error) {
	file := "manifests/" + h.Algorithm + "-" + h.Hex + ".json"
	data, found, err := readCache(o.dir, file, maxManifestSize)
	if err != nil {
		return nil, err
	}
	if found {
		m, err := v1.ParseManifest(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("chart cache: manifest %s: %w", h, err)
		}
		return m, nil
	}
	if o.r.Offline {
		return nil, o.r.notCached("manifest " + h.String())
	}
	m, _, err := o.fetchManifest(o.repo.Digest(h.String()))
	if err != nil {
		return nil, fmt.Errorf("digest %s: %w", h, err)
	}
	return m, nil
}

// fetchManifest gets a manifest from the registry and caches it by digest.
func (o *ociSource) fetchManifest(ref name.Reference) (*v1.Manifest, v1.Hash, error) {
	desc, err := remote.Get(ref, o.options()...)
	if err != nil {
		return nil, v1.Hash{}, err
	}
	if desc.MediaType.IsIndex() {
		return nil, v1.Hash{}, fmt.Errorf("%s is an image index, not a chart artifact", desc.MediaType)
	}
	if len(desc.Manifest) > maxManifestSize {
		return nil, v1.Hash{}, fmt.Errorf("manifest larger than %d bytes", maxManifestSize)
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		return nil, v1.Hash{}, fmt.Errorf("invalid manifest: %w", err)
	}
	file := "manifests/" + desc.Digest.Algorithm + "-" + desc.Digest.Hex + ".json"
	if err := writeCache(o.dir, o.url, file, desc.Manifest); err != nil {
		return nil, v1.Hash{}, err
	}
	return m, desc.Digest, nil
}

// blob is the content of a layer: from the cache, else from the registry
// (online), checked against its digest.
func (o *ociSource) blob(layer v1.Descriptor) ([]byte, error) {
	h := layer.Digest
	if h.Algorithm != "sha256" {
		return nil, fmt.Errorf("layer %s: unsupported digest algorithm", h)
	}
	file := "blobs/" + h.Algorithm + "-" + h.Hex + ".tgz"
	data, found, err := readCache(o.dir, file, MaxChartSize)
	if err != nil || found {
		return data, err
	}
	if o.r.Offline {
		return nil, o.r.notCached("layer " + h.String())
	}
	if layer.Size > MaxChartSize {
		return nil, fmt.Errorf("layer %s: %d bytes, more than %d", h, layer.Size, MaxChartSize)
	}
	l, err := remote.Layer(o.repo.Digest(h.String()), o.options()...)
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", h, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", h, err)
	}
	defer rc.Close()
	data, err = io.ReadAll(io.LimitReader(rc, MaxChartSize+1))
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", h, err)
	}
	if len(data) > MaxChartSize {
		return nil, fmt.Errorf("layer %s: more than %d bytes", h, MaxChartSize)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != h.Hex {
		return nil, fmt.Errorf("layer %s: content does not match its digest", h)
	}
	if _, err := loadArchive(data); err != nil {
		return nil, fmt.Errorf("layer %s: %w", h, err)
	}
	if err := writeCache(o.dir, o.url, file, data); err != nil {
		return nil, err
	}
	return data, nil
}
