package helmrender

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	helmregistry "helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"
)

// fixtureChart is the test chart's directory.
var fixtureChart = filepath.Join("..", "..", "..", "test", "fixtures", "flux-repo", "charts", "app")

// packageChart packages the fixture chart with the given version and returns
// the .tgz.
func packageChart(t *testing.T, version string) []byte {
	t.Helper()
	ch, err := loader.LoadDir(fixtureChart)
	if err != nil {
		t.Fatal(err)
	}
	ch.Metadata.Version = version
	dir := t.TempDir()
	path, err := chartutil.Save(ch, dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// guardedServer is an httptest server that can be closed to requests: once
// denied, any request fails the test (an offline render must not reach it).
type guardedServer struct {
	*httptest.Server
	denied atomic.Bool
	hits   atomic.Int64
}

func newGuardedServer(t *testing.T, h http.Handler) *guardedServer {
	t.Helper()
	g := &guardedServer{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.denied.Load() {
			t.Errorf("the network was used: %s %s", r.Method, r.URL)
			http.Error(w, "offline", http.StatusTeapot)
			return
		}
		g.hits.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(g.Close)
	return g
}

// host is the server's host:port.
func (g *guardedServer) host() string { return strings.TrimPrefix(g.URL, "http://") }

// newChartRepo serves an HTTP chart repository under /charts: index.yaml,
// made with Helm's repo package with URLs relative to it, and the charts.
// extra entries are served as they are (for broken archives).
func newChartRepo(t *testing.T, charts map[string][]byte) *guardedServer {
	t.Helper()
	dir := t.TempDir()
	for file, data := range charts {
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	index, err := repo.IndexDirectory(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := index.WriteFile(filepath.Join(dir, "index.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	return newGuardedServer(t, http.StripPrefix("/charts", http.FileServer(http.Dir(dir))))
}

// newRegistry serves an in-process OCI registry.
func newRegistry(t *testing.T) *guardedServer {
	t.Helper()
	return newGuardedServer(t, registry.New(registry.Logger(log.New(io.Discard, "", 0))))
}

// pushChart pushes a packaged chart to ref (host/path:tag) with Helm's
// registry client; strict=false allows a tag other than the chart version.
func pushChart(t *testing.T, data []byte, ref string, strict bool) string {
	t.Helper()
	client, err := helmregistry.NewClient(
		helmregistry.ClientOptPlainHTTP(),
		helmregistry.ClientOptCredentialsFile(filepath.Join(t.TempDir(), "config.json")),
		helmregistry.ClientOptWriter(io.Discard),
	)
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Push(data, ref, helmregistry.PushOptStrictMode(strict))
	if err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	return res.Manifest.Digest
}
