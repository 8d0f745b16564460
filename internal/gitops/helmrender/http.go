package helmrender

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/repo"
	"sigs.k8s.io/yaml"
)

// fromHTTPRepository loads a chart from an HTTP(S) chart repository: the
// highest version of its index.yaml that satisfies the constraint.
func (r *Renderer) fromHTTPRepository(ctx context.Context, repoURL, name, constraint string) (*chart.Chart, error) {
	u, err := url.Parse(repoURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid repository URL %q: an http(s) URL is needed", repoURL)
	}
	index, err := r.httpIndex(ctx, repoURL)
	if err != nil {
		return nil, err
	}
	cv, err := pickChartVersion(index, name, constraint)
	if err != nil {
		return nil, err
	}
	dir := r.sourceCacheDir("helm", repoURL)
	file := fileName(name+"-"+cv.Version) + ".tgz"
	data, found, err := readCache(dir, file, MaxChartSize)
	if err != nil {
		return nil, err
	}
	if found {
		ch, err := loadArchive(data)
		if err != nil {
			return nil, fmt.Errorf("cached chart %s %s: %w", name, cv.Version, err)
		}
		return ch, nil
	}
	if r.Offline {
		return nil, r.notCached(fmt.Sprintf("version %s", cv.Version))
	}
	if len(cv.URLs) == 0 {
		return nil, fmt.Errorf("version %s has no download URL in the index", cv.Version)
	}
	chartURL, err := repo.ResolveReferenceURL(repoURL, cv.URLs[0])
	if err != nil {
		return nil, fmt.Errorf("version %s: %w", cv.Version, err)
	}
	data, err = r.httpGet(ctx, chartURL, MaxChartSize)
	if err != nil {
		return nil, fmt.Errorf("version %s: %w", cv.Version, err)
	}
	ch, err := loadArchive(data)
	if err != nil {
		return nil, fmt.Errorf("version %s from %s: %w", cv.Version, chartURL, err)
	}
	if err := writeCache(dir, repoURL, file, data); err != nil {
		return nil, err
	}
	return ch, nil
}

// httpIndex is the index of an HTTP chart repository: fetched once per
// Renderer (and cached) online, read from the cache offline.
func (r *Renderer) httpIndex(ctx context.Context, repoURL string) (*repo.IndexFile, error) {
	r.mu.Lock()
	data, ok := r.indexes[repoURL]
	r.mu.Unlock()
	if !ok {
		dir := r.sourceCacheDir("helm", repoURL)
		if r.Offline {
			var found bool
			var err error
			data, found, err = readCache(dir, "index.yaml", MaxIndexSize)
			if err != nil {
				return nil, err
			}
			if !found {
				return nil, r.notCached("the repository index")
			}
		} else {
			u, _ := url.Parse(repoURL)
			u.Path = strings.TrimSuffix(u.Path, "/") + "/index.yaml"
			u.RawPath = ""
			var err error
			if data, err = r.httpGet(ctx, u.String(), MaxIndexSize); err != nil {
				return nil, fmt.Errorf("repository index: %w", err)
			}
			if _, err := parseIndex(data); err != nil {
				return nil, fmt.Errorf("repository index %s: %w", u, err)
			}
			if err := writeCache(dir, repoURL, "index.yaml", data); err != nil {
				return nil, err
			}
		}
		r.mu.Lock()
		if r.indexes == nil {
			r.indexes = map[string][]byte{}
		}
		r.indexes[repoURL] = data
		r.mu.Unlock()
	}
	index, err := parseIndex(data)
	if err != nil {
		return nil, fmt.Errorf("repository index: %w", err)
	}
	return index, nil
}

// parseIndex parses a repository index (YAML or JSON), dropping the entries
// that are not valid chart versions, as source-controller does.
func parseIndex(data []byte) (*repo.IndexFile, error) {
	index := &repo.IndexFile{}
	var err error
	if json.Valid(data) {
		err = json.Unmarshal(data, index)
	} else {
		err = yaml.Unmarshal(data, index)
	}
	if err != nil {
		return nil, fmt.Errorf("not a chart repository index: %w", err)
	}
	if index.APIVersion == "" {
		return nil, fmt.Errorf("not a chart repository index: no apiVersion")
	}
	for name, cvs := range index.Entries {
		valid := cvs[:0]
		for _, cv := range cvs {
			if cv == nil {
				continue
			}
			if cv.Metadata == nil {
				cv.Metadata = &chart.Metadata{}
			}
			if cv.APIVersion == "" {
				cv.APIVersion = chart.APIVersionV1
			}
			if cv.Validate() == nil {
				valid = append(valid, cv)
			}
		}
		index.Entries[name] = valid
	}
	return index, nil
}

// pickChartVersion is the version of a chart an index gives for a
// constraint, as source-controller picks it: a version equal to the
// constraint string, else the highest that satisfies it (ties broken by
// creation time); "*" is the latest stable version.
func pickChartVersion(index *repo.IndexFile, name, constraint string) (*repo.ChartVersion, error) {
	cvs := index.Entries[name]
	if len(cvs) == 0 {
		return nil, fmt.Errorf("no chart %s in the repository index", name)
	}
	for _, cv := range cvs {
		if cv.Version == constraint {
			return cv, nil
		}
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return nil, fmt.Errorf("invalid version constraint %q: %w", constraint, err)
	}
	var best *repo.ChartVersion
	var bestV *semver.Version
	for _, cv := range cvs {
		v, err := parseVersion(cv.Version)
		if err != nil || !c.Check(v) {
			continue
		}
		if best == nil || v.GreaterThan(bestV) || v.Equal(bestV) && cv.Created.After(best.Created) {
			best, bestV = cv, v
		}
	}
	if best == nil {
		versions := make([]string, 0, len(cvs))
		for _, cv := range cvs {
			versions = append(versions, cv.Version)
		}
		return nil, fmt.Errorf("no version of chart %s matches %q (the index has %s)", name, constraint, listSome(versions))
	}
	return best, nil
}

// parseVersion parses a chart version or tag as source-controller does:
// strict SemVer, with an optional leading "v".
func parseVersion(s string) (*semver.Version, error) {
	if _, err := semver.StrictNewVersion(strings.TrimPrefix(s, "v")); err != nil {
		return nil, err
	}
	return semver.NewVersion(s)
}

// listSome lists the highest few versions or tags, for an error.
func listSome(vs []string) string {
	if len(vs) == 0 {
		return "none"
	}
	sorted := append([]string(nil), vs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, errA := semver.NewVersion(sorted[i])
		b, errB := semver.NewVersion(sorted[j])
		if errA != nil || errB != nil {
			return errA == nil
		}
		return a.GreaterThan(b)
	})
	const most = 8
	if len(sorted) > most {
		return strings.Join(sorted[:most], ", ") + fmt.Sprintf(" and %d more", len(sorted)-most)
	}
	return strings.Join(sorted, ", ")
}

// httpGet fetches a URL, at most limit bytes of it.
func (r *Renderer) httpGet(ctx context.Context, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	client := r.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", u, limit)
	}
	return data, nil
}
