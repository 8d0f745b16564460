package helmrender

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The cache, under Renderer.CacheDir, keeps one directory per source URL:
//
//	helm/<slug>-<hash>/url                        the HTTP repository's URL
//	helm/<slug>-<hash>/index.yaml                 its index, as last fetched
//	helm/<slug>-<hash>/<chart>-<version>.tgz      a chart from it
//	oci/<slug>-<hash>/url                         the OCI repository (host/path)
//	oci/<slug>-<hash>/tags.json                   its tags, as last listed
//	oci/<slug>-<hash>/tags/<tag>                  the manifest digest the tag last resolved to
//	oci/<slug>-<hash>/manifests/<alg>-<hex>.json  a manifest, by digest
//	oci/<slug>-<hash>/blobs/<alg>-<hex>.tgz       a chart layer, by digest
//
// <slug> is the URL without its scheme, every character other than a letter,
// a digit, a dot or a dash made a dash and cut to 64 characters; <hash> is 12
// hexadecimal digits of the SHA-256 of the URL as written in the source.
// A chart version is immutable in the cache: online renders refetch indexes,
// tag lists and tags, not charts already cached. Files are written whole
// (renamed into place), so concurrent renders share a cache safely.

// sourceCacheDir is the cache directory of a source URL, "" without a cache.
func (r *Renderer) sourceCacheDir(kind, url string) string {
	if r.CacheDir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(url))
	return filepath.Join(r.CacheDir, kind, slug(url)+"-"+hex.EncodeToString(sum[:])[:12])
}

func slug(url string) string {
	if _, rest, ok := strings.Cut(url, "://"); ok {
		url = rest
	}
	b := []byte(url)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			b[i] = '-'
		}
	}
	s := strings.Trim(string(b), "-.")
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// fileName makes s safe as one file name: characters other than letters,
// digits, '.', '_', '+' and '-' become '_', and it never starts with a dot.
func fileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '+' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] == '.' {
		b = append([]byte{'_'}, b...)
	}
	return string(b)
}

// readCache reads a cached file of at most limit bytes; found is false when
// there is no cache or no such file.
func readCache(dir, name string, limit int64) (data []byte, found bool, err error) {
	if dir == "" {
		return nil, false, nil
	}
	path := filepath.Join(dir, name)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("chart cache: %w", err)
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, false, fmt.Errorf("chart cache: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, false, fmt.Errorf("chart cache: %s is larger than %d bytes", path, limit)
	}
	return data, true, nil
}

// writeCache writes a file of the cache directory of url, whole.
func writeCache(dir, url, name string, data []byte) error {
	if dir == "" {
		return nil
	}
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("chart cache: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "url")); errors.Is(err, fs.ErrNotExist) {
		if err := writeFile(filepath.Join(dir, "url"), []byte(url+"\n")); err != nil {
			return err
		}
	}
	return writeFile(path, data)
}

func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("chart cache: %w", err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("chart cache: %w", err)
	}
	return nil
}

// notCached is the error of an offline render missing what from the cache.
func (r *Renderer) notCached(what string) error {
	if r.CacheDir == "" {
		return fmt.Errorf("%s is %w (offline, and no cache directory)", what, ErrNotCached)
	}
	return fmt.Errorf("%s is %w %s (offline)", what, ErrNotCached, r.CacheDir)
}
