package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"netinventory.io/netinventory/internal/gitops/flux"
	"netinventory.io/netinventory/internal/snapshot"
)

// Build modes of --build.
const (
	buildAuto      = "auto"
	buildFlux      = "flux"
	buildKustomize = "kustomize"
	buildNone      = "none"
)

var buildModes = []string{buildAuto, buildFlux, buildKustomize, buildNone}

// built is what building one directory gave.
type built struct {
	objects  []flux.Object
	problems []flux.Problem
	local    localSources
}

// buildDirectory builds dir as Flux (it holds Flux Kustomizations) or
// kustomize (it has a kustomization file) would, as --build says; ok is
// false when dir is to be read file by file.
func buildDirectory(dir string, opts loadOptions) (b *built, ok bool, err error) {
	mode := opts.build
	if mode == "" {
		mode = buildAuto
	}
	if mode == buildNone {
		return nil, false, nil
	}
	if mode == buildAuto || mode == buildFlux {
		found, err := flux.FindKustomizations(dir)
		if err != nil {
			return nil, false, errorf(2, "%v", err)
		}
		switch {
		case len(found) > 0:
			root := flux.RepositoryRoot(dir, found)
			roots, err := chooseCluster(root, found, opts.cluster)
			if err != nil {
				return nil, false, err
			}
			res := flux.Build(flux.Options{Root: root, Known: found, Vars: opts.vars}, roots)
			return &built{objects: res.Objects, problems: res.Problems, local: localSources{root: res.Root, source: res.Source}}, true, nil
		case mode == buildFlux:
			return nil, false, errorf(2, "--build flux: no Flux Kustomization (%s) under %s", flux.Group, dir)
		}
	}
	if mode == buildKustomize || hasKustomizationFile(dir) {
		res := flux.BuildDirectory(flux.RepositoryRoot(dir, nil), dir)
		return &built{objects: res.Objects, problems: res.Problems, local: localSources{root: res.Root}}, true, nil
	}
	return nil, false, nil
}

func hasKustomizationFile(dir string) bool {
	for _, name := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// chooseCluster returns the root Kustomizations to build: the only
// cluster's, or the one --cluster names (a directory holding root
// Kustomizations, a directory to build as a cluster's path, or a
// Kustomization's namespace/name or name).
func chooseCluster(root string, found []flux.Kustomization, choice string) ([]flux.Kustomization, error) {
	clusters := flux.Clusters(root, found)
	names := make([]string, len(clusters))
	for i, c := range clusters {
		names[i] = c.String()
	}
	if choice == "" {
		switch len(clusters) {
		case 1:
			return clusters[0].Roots, nil
		case 0:
			return nil, errorf(2, "%s: every Flux Kustomization is under another's path: choose where to start with --cluster", root)
		}
		return nil, errorf(2, "%s holds %d clusters, choose one with --cluster DIR (or a Kustomization's NAMESPACE/NAME): %s",
			root, len(clusters), strings.Join(names, "; "))
	}
	if dir, ok := existingDir(root, choice); ok {
		var roots []flux.Kustomization
		for _, c := range clusters {
			if within(dir, filepath.Join(root, c.Dir)) || within(dir, c.Roots[0].File) {
				roots = append(roots, c.Roots...)
			}
		}
		if len(roots) > 0 {
			return roots, nil
		}
		rel, err := filepath.Rel(root, dir)
		if err != nil || strings.HasPrefix(rel, "..") {
			return nil, errorf(2, "--cluster %s is not in the repository %s", choice, root)
		}
		return []flux.Kustomization{flux.Directory(rel)}, nil
	}
	for _, k := range found {
		if k.Key() == choice || k.Object.GetName() == choice {
			return []flux.Kustomization{k}, nil
		}
	}
	return nil, errorf(2, "--cluster %s is neither a directory nor a Flux Kustomization of the repository; its clusters: %s", choice, strings.Join(names, "; "))
}

// existingDir resolves a --cluster directory, relative to the working
// directory or to the repository root.
func existingDir(root, choice string) (string, bool) {
	for _, d := range []string{choice, filepath.Join(root, choice)} {
		if info, err := os.Stat(d); err == nil && info.IsDir() {
			abs, err := filepath.Abs(d)
			return abs, err == nil
		}
	}
	return "", false
}

// addBuilt feeds a build's objects to the loader and prints its problems,
// one line each; it returns how many things could not be built.
func addBuilt(w io.Writer, l *snapshot.Loader, b *built, skip bool) (failed int) {
	flux.Namespaces(b.objects)
	for _, o := range b.objects {
		l.AddObject(o.By, o.Unstructured)
	}
	for _, p := range b.problems {
		msg := snapshot.OneLine(p.String())
		if p.Error {
			failed += printUnreadable(w, msg, skip)
		} else {
			fmt.Fprintf(w, "warning: %s\n", msg)
		}
	}
	return failed
}
