package cli

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// revisionTree is a git revision of a repository, extracted into a
// temporary directory, and the paths asked for, relative to the
// repository's top.
type revisionTree struct {
	rev  string
	dir  string
	rels []string
}

// checkoutRevision extracts the revision rev of the git repository that
// holds paths (all in one repository) into a temporary directory, with
// git archive: tracked files only, as committed (export-ignore and
// export-subst attributes apply, submodules are left out). Symbolic links
// that lead out of the tree are dropped, with a warning.
func checkoutRevision(ctx context.Context, warn io.Writer, rev string, paths []string) (*revisionTree, error) {
	if strings.HasPrefix(rev, "-") {
		return nil, errorf(2, "--base-rev %q: not a revision", rev)
	}
	if _, err := exec.LookPath("git"); err != nil {
		return nil, errorf(2, "--base-rev needs git: %v", err)
	}
	var top string
	t := &revisionTree{rev: rev}
	for _, p := range paths {
		root, rel, err := repositoryPath(ctx, p)
		if err != nil {
			return nil, err
		}
		if top != "" && root != top {
			return nil, errorf(2, "--base-rev: %s and %s are in different git repositories", paths[0], p)
		}
		top = root
		t.rels = append(t.rels, rel)
	}
	commit, err := git(ctx, top, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return nil, errorf(2, "--base-rev %s: no such revision in the git repository %s (fetch it first; in CI, check out with the history, e.g. fetch-depth: 0)", rev, top)
	}
	if t.dir, err = os.MkdirTemp("", "netinv-diff-"); err != nil {
		return nil, errorf(2, "%v", err)
	}
	// The loader resolves symbolic links in the paths it names: so that
	// rewriter finds them, the directory has none.
	if real, err := filepath.EvalSymlinks(t.dir); err == nil {
		t.dir = real
	}
	cmd := exec.CommandContext(ctx, "git", "-C", top, "archive", "--format=tar", strings.TrimSpace(commit))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		t.remove()
		return nil, errorf(2, "git archive: %v", err)
	}
	dropped, err := extractTar(out, t.dir)
	if err != nil {
		_ = cmd.Process.Kill()
	}
	if werr := cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("%v: %s", werr, strings.TrimSpace(stderr.String()))
	}
	if err != nil {
		t.remove()
		return nil, errorf(2, "--base-rev %s: git archive: %v", rev, err)
	}
	for _, d := range dropped {
		if !t.concerns(d) {
			continue
		}
		fmt.Fprintf(warn, "warning: base: skipped the symbolic link %s:%s: it leads out of the repository\n", rev, d)
	}
	return t, nil
}

// concerns is true when the path of the tree (slash-separated) is, holds,
// or lies under one of the paths asked for.
func (t *revisionTree) concerns(p string) bool {
	for _, rel := range t.rels {
		rel = filepath.ToSlash(rel)
		if rel == "." || p == rel || strings.HasPrefix(p, rel+"/") || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

// existing returns the paths that exist in the revision.
func (t *revisionTree) existing() []string {
	var out []string
	for _, rel := range t.rels {
		p := filepath.Join(t.dir, rel)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// rewriter shows the paths of the tree as git does, REV:PATH.
func (t *revisionTree) rewriter() func(string) string {
	r := strings.NewReplacer(t.dir+string(filepath.Separator), t.rev+":", t.dir, t.rev+":.")
	return r.Replace
}

func (t *revisionTree) remove() { _ = os.RemoveAll(t.dir) }

// existing returns the paths that exist.
func existing(paths []string) []string {
	var out []string
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// git runs git in dir and returns its output; the error carries its error
// output.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", fmt.Errorf("%s", msg)
		}
		return "", err
	}
	return stdout.String(), nil
}

// repositoryPath returns the top of the git repository holding p and p
// relative to it. p need not exist: the nearest directory above it that
// does says which repository.
func repositoryPath(ctx context.Context, p string) (top, rel string, err error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", "", errorf(2, "%v", err)
	}
	dir, tail := abs, ""
	for {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", "", errorf(2, "--base-rev: no directory holds %s", p)
		}
		dir, tail = parent, filepath.Join(filepath.Base(dir), tail)
	}
	out, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return "", "", errorf(2, "--base-rev: %s is not in a git repository: %v", p, err)
	}
	top, err = filepath.EvalSymlinks(strings.TrimSpace(out))
	if err != nil {
		return "", "", errorf(2, "%v", err)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", "", errorf(2, "%v", err)
	}
	rel, err = filepath.Rel(top, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", "", errorf(2, "--base-rev: %s is outside the git repository %s", p, top)
	}
	return top, filepath.Join(rel, tail), nil
}

// extractTar extracts a tar stream (of git archive) into dir, which must
// be empty: directories, regular files and symbolic links; nothing else.
// An entry whose name leaves dir, or lies under a symbolic link, is an
// error. Symbolic links are made last, then each that does not resolve to
// a path inside dir is removed: those that lead out of it are returned,
// by name; dangling ones and loops go silently.
func extractTar(r io.Reader, dir string) (dropped []string, err error) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	var links []*tar.Header
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeXGlobalHeader || h.Typeflag == tar.TypeXHeader {
			continue
		}
		target, err := entryPath(root, h.Name)
		if err != nil {
			return nil, err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(target, 0o755)
		case tar.TypeReg:
			err = writeFile(target, tr, h.FileInfo().Mode().Perm()|0o600)
		case tar.TypeSymlink:
			links = append(links, h)
		default:
			err = fmt.Errorf("%s: entries of type %q are not extracted", h.Name, h.Typeflag)
		}
		if err != nil {
			return nil, err
		}
	}
	for _, h := range links {
		target, err := entryPath(root, h.Name) // again: links exist now
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return nil, err
		}
		if err := os.Symlink(h.Linkname, target); err != nil {
			return nil, err
		}
	}
	for _, h := range links {
		target, _ := entryPath(root, h.Name)
		resolved, evalErr := filepath.EvalSymlinks(target)
		if evalErr == nil && within(root, resolved) {
			continue
		}
		if err := os.Remove(target); err != nil {
			return nil, err
		}
		if evalErr == nil {
			dropped = append(dropped, h.Name)
		}
	}
	return dropped, nil
}

// entryPath is where the entry name goes under root: never outside it,
// never under a symbolic link.
func entryPath(root, name string) (string, error) {
	clean := path.Clean(strings.TrimSuffix(name, "/"))
	if clean == "." || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("%q: not a path inside the repository", name)
	}
	target := root
	parts := strings.Split(clean, "/")
	for i, part := range parts {
		target = filepath.Join(target, part)
		if i == len(parts)-1 {
			break
		}
		if fi, err := os.Lstat(target); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			return "", fmt.Errorf("%q: under the symbolic link %s", name, strings.Join(parts[:i+1], "/"))
		}
	}
	return target, nil
}

func writeFile(target string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	return errors.Join(err, f.Close())
}

// within is true when p is root or under it.
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
