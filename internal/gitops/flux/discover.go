package flux

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Group is the API group of Flux Kustomizations.
const Group = "kustomize.toolkit.fluxcd.io"

// Kustomization is a Flux Kustomization found in a repository file.
type Kustomization struct {
	// Object is the Kustomization as written.
	Object *unstructured.Unstructured
	// File is the file it is written in ("" when it was produced by a
	// build rather than read from a file).
	File string
	// From is the Kustomization whose build produced it (namespace/name).
	From string
	// Synthetic is set on a root made up to build a directory (see
	// Directory).
	Synthetic bool
}

// Key is namespace/name.
func (k Kustomization) Key() string { return k.Object.GetNamespace() + "/" + k.Object.GetName() }

// Path is spec.path, the directory of the source it builds ("" or "./"
// for the source's root).
func (k Kustomization) Path() string {
	p, _, _ := unstructured.NestedString(k.Object.Object, "spec", "path")
	return p
}

// Cluster is one place a Flux installation starts from: the root
// Kustomizations written in one directory (clusters/prod/flux-system, say).
type Cluster struct {
	// Dir is the directory, relative to the repository root, of the files
	// the root Kustomizations are written in.
	Dir string
	// Roots are the Kustomizations no other Kustomization's path holds.
	Roots []Kustomization
}

// String names the cluster for a user choosing among several.
func (c Cluster) String() string {
	names := make([]string, len(c.Roots))
	for i, r := range c.Roots {
		names[i] = fmt.Sprintf("%s (path %s)", r.Key(), displayPath(r.Path()))
	}
	return c.Dir + ": " + strings.Join(names, ", ")
}

func displayPath(p string) string {
	if p == "" {
		return "./"
	}
	return p
}

// FindKustomizations reads every YAML file under dir and returns the valid
// Flux Kustomizations written in them, in file order. Files that are not YAML,
// or not Kubernetes objects, are skipped: the audit reports them when it
// reads the build's output.
func FindKustomizations(dir string) ([]Kustomization, error) {
	var found []Kustomization
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	err = walkManifests(dir, func(path string, data []byte) {
		if !bytes.Contains(data, []byte(Group)) {
			return
		}
		for _, u := range decodeAll(data) {
			// One that does not decode (a path that is not a string) is
			// no place to start: the build that applies it says so.
			if IsKustomization(u) && validKustomization(u) {
				found = append(found, Kustomization{Object: u, File: path})
			}
		}
	})
	return found, err
}

// IsKustomization says whether u is a Flux Kustomization.
func IsKustomization(u *unstructured.Unstructured) bool {
	return u.GetKind() == "Kustomization" && u.GroupVersionKind().Group == Group
}

// walkManifests calls fn with each .yaml, .yml or .json file under dir,
// in lexical order, skipping hidden directories (.git, .github).
func walkManifests(dir string, fn func(path string, data []byte)) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fn(p, data)
		return nil
	})
}

// decodeAll decodes the objects of a multi-document YAML stream, skipping
// documents that do not decode or are not objects.
func decodeAll(data []byte) []*unstructured.Unstructured {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []*unstructured.Unstructured
	for {
		doc, err := r.Read()
		if err != nil { // io.EOF, or a stream that does not split
			return out
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil || m == nil {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		if u.GetKind() == "" || u.GetAPIVersion() == "" {
			continue
		}
		out = append(out, u)
	}
}

// Clusters finds where Flux starts in a repository. A Kustomization whose
// path holds its own file is a cluster's flux-system, as Flux's bootstrap
// writes it: each is a cluster, named by its path. A repository without
// one (Flux installed by other means) starts from the Kustomizations no
// other Kustomization's path holds, grouped by the directory of their
// files. root is the repository root the paths are relative to.
func Clusters(root string, found []Kustomization) []Cluster {
	var out []Cluster
	for _, k := range found {
		dir := relative(root, filepath.Join(root, k.Path()))
		// A second one of the same path is in the first one's build.
		if within(k.File, filepath.Join(root, k.Path())) && !slices.ContainsFunc(out, func(c Cluster) bool { return c.Dir == dir }) {
			out = append(out, Cluster{Dir: dir, Roots: []Kustomization{k}})
		}
	}
	if len(out) == 0 {
		byDir := map[string]*Cluster{}
		for i, k := range found {
			if heldByAnother(root, found, i) {
				continue
			}
			dir := relative(root, filepath.Dir(k.File))
			c := byDir[dir]
			if c == nil {
				c = &Cluster{Dir: dir}
				byDir[dir] = c
			}
			c.Roots = append(c.Roots, k)
		}
		for _, c := range byDir {
			out = append(out, *c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out
}

// relative returns path relative to root, with forward slashes.
func relative(root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(rel)
}

// heldByAnother says whether the file of found[i] lies under the path of
// another Kustomization.
func heldByAnother(root string, found []Kustomization, i int) bool {
	for j, other := range found {
		if j != i && within(found[i].File, filepath.Join(root, other.Path())) {
			return true
		}
	}
	return false
}

// within says whether path lies in dir.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// RepositoryRoot returns the directory Kustomization paths are relative
// to: of dir and its ancestors (up to the top of its git checkout, if it
// is in one), the one under which the most of the Kustomizations' paths
// exist; on a tie the git top, else the nearest.
func RepositoryRoot(dir string, found []Kustomization) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	candidates, top := []string{abs}, ""
	for d := abs; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			top = d
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
		candidates = append(candidates, d)
	}
	score := func(root string) int {
		n := 0
		for _, k := range found {
			if info, err := os.Stat(filepath.Join(root, k.Path())); err == nil && info.IsDir() {
				n++
			}
		}
		return n
	}
	best, bestScore := abs, -1
	if top != "" {
		best, bestScore = top, score(top)
	}
	for _, c := range candidates {
		if s := score(c); s > bestScore {
			best, bestScore = c, s
		}
	}
	return best
}

// validKustomization says whether u decodes as a Flux Kustomization.
func validKustomization(u *unstructured.Unstructured) bool {
	_, err := typed(u)
	return err == nil
}
