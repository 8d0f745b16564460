package helmrender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// sourceGroup is the API group of Flux's sources.
var sourceGroup = sourcev1.GroupVersion.Group

// chartRequest is a chart to find in a source: the spec.chart.spec of a
// HelmRelease, or the spec of a HelmChart.
type chartRequest struct {
	chart, version           string // name (HelmRepository) or path (GitRepository, Bucket); semver constraint
	kind, namespace, name    string // the source
	valuesFiles              []string
	ignoreMissingValuesFiles bool
}

// loadChart finds and loads the chart of hr: spec.chartRef (an
// OCIRepository or a HelmChart), else spec.chart (a HelmChart template).
func (r *Renderer) loadChart(ctx context.Context, hr *helmv2.HelmRelease, idx objectIndex) (*chart.Chart, error) {
	switch {
	case hr.Spec.ChartRef != nil:
		ref := hr.Spec.ChartRef
		ns := ref.Namespace
		if ns == "" {
			ns = hr.Namespace
		}
		switch ref.Kind {
		case "OCIRepository":
			return r.fromOCIRepository(ctx, idx, ns, ref.Name)
		case sourcev1.HelmChartKind:
			u := idx.get(sourceGroup, sourcev1.HelmChartKind, ns, ref.Name)
			if u == nil {
				return nil, fmt.Errorf("chartRef: HelmChart %s/%s not found", ns, ref.Name)
			}
			hc := &sourcev1.HelmChart{}
			if err := fromUnstructured(u, hc); err != nil {
				return nil, err
			}
			return r.fromRequest(ctx, idx, chartRequest{
				chart: hc.Spec.Chart, version: hc.Spec.Version,
				kind: hc.Spec.SourceRef.Kind, namespace: ns, name: hc.Spec.SourceRef.Name,
				valuesFiles: hc.Spec.ValuesFiles, ignoreMissingValuesFiles: hc.Spec.IgnoreMissingValuesFiles,
			}, fmt.Sprintf(" (HelmChart %s/%s)", ns, ref.Name))
		case "ExternalArtifact":
			return nil, fmt.Errorf("chartRef ExternalArtifact %s/%s: its content is produced in the cluster: %w", ns, ref.Name, ErrSourceNotAvailable)
		default:
			return nil, fmt.Errorf("chartRef: unsupported kind %q (OCIRepository or HelmChart)", ref.Kind)
		}
	case hr.Spec.Chart != nil:
		s := hr.Spec.Chart.Spec
		ns := s.SourceRef.Namespace
		if ns == "" {
			ns = hr.Namespace
		}
		return r.fromRequest(ctx, idx, chartRequest{
			chart: s.Chart, version: s.Version,
			kind: s.SourceRef.Kind, namespace: ns, name: s.SourceRef.Name,
			valuesFiles: s.ValuesFiles, ignoreMissingValuesFiles: s.IgnoreMissingValuesFiles,
		}, "")
	default:
		return nil, errors.New("neither spec.chart nor spec.chartRef is set")
	}
}

// fromRequest loads the chart of a chart request; via says through which
// HelmChart, for errors.
func (r *Renderer) fromRequest(ctx context.Context, idx objectIndex, req chartRequest, via string) (*chart.Chart, error) {
	version := req.version
	if version == "" {
		version = "*"
	}
	where := fmt.Sprintf("%s %s/%s%s", req.kind, req.namespace, req.name, via)
	if req.chart == "" {
		return nil, fmt.Errorf("%s: no chart named", where)
	}
	switch req.kind {
	case sourcev1.HelmRepositoryKind:
		u := idx.get(sourceGroup, sourcev1.HelmRepositoryKind, req.namespace, req.name)
		if u == nil {
			return nil, fmt.Errorf("chart %s: %s not found", req.chart, where)
		}
		hrepo := &sourcev1.HelmRepository{}
		if err := fromUnstructured(u, hrepo); err != nil {
			return nil, err
		}
		var ch *chart.Chart
		var err error
		if hrepo.Spec.Type == sourcev1.HelmRepositoryTypeOCI {
			ch, err = r.fromOCIHelmRepository(ctx, hrepo.Spec.URL, req.chart, version, hrepo.Spec.Insecure)
		} else {
			ch, err = r.fromHTTPRepository(ctx, hrepo.Spec.URL, req.chart, version)
		}
		if err != nil {
			return nil, fmt.Errorf("chart %s %s from %s (%s): %w", req.chart, version, where, hrepo.Spec.URL, err)
		}
		if err := setValuesFiles(ch, req, archiveValuesFile(ch)); err != nil {
			return nil, fmt.Errorf("chart %s %s from %s: %w", req.chart, ch.Metadata.Version, where, err)
		}
		return ch, nil
	case sourcev1.GitRepositoryKind, sourcev1.BucketKind:
		dir, err := r.localSource(idx, req.kind, req.namespace, req.name)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", req.chart, err)
		}
		ch, err := loader.Load(localPath(dir, req.chart))
		if err != nil {
			return nil, fmt.Errorf("chart %s from %s: %w", req.chart, where, err)
		}
		if err := setValuesFiles(ch, req, localValuesFile(dir)); err != nil {
			return nil, fmt.Errorf("chart %s from %s: %w", req.chart, where, err)
		}
		return ch, nil
	default:
		return nil, fmt.Errorf("chart %s: unsupported source kind %q (HelmRepository, GitRepository or Bucket)", req.chart, req.kind)
	}
}

// fromOCIRepository loads the chart an OCIRepository points at: from the
// repository being audited when it is that, else from its registry.
func (r *Renderer) fromOCIRepository(ctx context.Context, idx objectIndex, ns, name string) (*chart.Chart, error) {
	where := fmt.Sprintf("OCIRepository %s/%s", ns, name)
	if r.LocalSource != nil {
		if dir, ok := r.LocalSource("OCIRepository", ns, name); ok {
			ch, err := loader.Load(dir)
			if err != nil {
				return nil, fmt.Errorf("chart from %s: %w", where, err)
			}
			return ch, nil
		}
	}
	u := idx.get(sourceGroup, "OCIRepository", ns, name)
	if u == nil {
		return nil, fmt.Errorf("chartRef: %s not found", where)
	}
	repo := &sourcev1.OCIRepository{}
	if err := fromUnstructured(u, repo); err != nil {
		return nil, err
	}
	sel := ociSelector{}
	if ref := repo.Spec.Reference; ref != nil {
		sel = ociSelector{tag: ref.Tag, semver: ref.SemVer, semverFilter: ref.SemverFilter, digest: ref.Digest}
	}
	mediaType := ""
	if ls := repo.Spec.LayerSelector; ls != nil {
		mediaType = ls.MediaType
	}
	ch, err := r.fromOCI(ctx, repo.Spec.URL, sel, repo.Spec.Insecure, mediaType)
	if err != nil {
		return nil, fmt.Errorf("chart from %s (%s%s): %w", where, repo.Spec.URL, sel, err)
	}
	return ch, nil
}

// localSource is the directory of a GitRepository or Bucket that is the
// repository being audited.
func (r *Renderer) localSource(idx objectIndex, kind, ns, name string) (string, error) {
	if r.LocalSource != nil {
		if dir, ok := r.LocalSource(kind, ns, name); ok {
			return dir, nil
		}
	}
	if idx.get(sourceGroup, kind, ns, name) == nil {
		return "", fmt.Errorf("%s %s/%s not found", kind, ns, name)
	}
	return "", fmt.Errorf("%s %s/%s is not the repository being audited: %w", kind, ns, name, ErrSourceNotAvailable)
}

// localPath is p inside dir, never outside it.
func localPath(dir, p string) string {
	return filepath.Join(dir, filepath.FromSlash(path.Clean("/"+p)))
}

// setValuesFiles makes the merge of req's values files the chart's default
// values, as source-controller does when it builds a chart with
// spec.valuesFiles (values.yaml is then only included if listed).
func setValuesFiles(ch *chart.Chart, req chartRequest, read func(string) (map[string]any, bool, error)) error {
	if len(req.valuesFiles) == 0 {
		return nil
	}
	merged := map[string]any{}
	for _, f := range req.valuesFiles {
		values, found, err := read(f)
		if err != nil {
			return fmt.Errorf("values file %s: %w", f, err)
		}
		if !found {
			if req.ignoreMissingValuesFiles {
				continue
			}
			return fmt.Errorf("no values file %s", f)
		}
		merged = mergeValues(merged, values)
	}
	ch.Values = merged
	return nil
}

// archiveValuesFile reads a values file of a packaged chart: a path in it.
func archiveValuesFile(ch *chart.Chart) func(string) (map[string]any, bool, error) {
	values := ch.Values
	return func(name string) (map[string]any, bool, error) {
		name = strings.TrimPrefix(path.Clean("/"+name), "/")
		if name == chartutil.ValuesfileName {
			return values, true, nil
		}
		for _, f := range ch.Files {
			if f.Name == name {
				v, err := chartutil.ReadValues(f.Data)
				return v, err == nil, err
			}
		}
		return nil, false, nil
	}
}

// localValuesFile reads a values file of a local source: a path from its
// root.
func localValuesFile(dir string) func(string) (map[string]any, bool, error) {
	return func(name string) (map[string]any, bool, error) {
		p := localPath(dir, name)
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if !st.Mode().IsRegular() {
			return nil, false, fmt.Errorf("not a file")
		}
		if st.Size() > MaxValuesSize {
			return nil, false, fmt.Errorf("larger than %d bytes", MaxValuesSize)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, false, err
		}
		v, err := chartutil.ReadValues(data)
		return v, err == nil, err
	}
}

// loadArchive loads a packaged chart.
func loadArchive(data []byte) (*chart.Chart, error) {
	ch, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a valid chart archive: %w", err)
	}
	return ch, nil
}

// fromUnstructured converts a source object to its type.
func fromUnstructured(u *unstructured.Unstructured, obj any) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj); err != nil {
		return fmt.Errorf("invalid %s %s/%s: %w", u.GetKind(), namespaceOf(u), u.GetName(), err)
	}
	return nil
}
