package flux

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	fluxkustomize "github.com/fluxcd/pkg/kustomize"
	fluxfs "github.com/fluxcd/pkg/kustomize/filesys"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/kustomize/api/resmap"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
)

// Problem is something that could not be built, or was built with a
// caveat, named by its file.
type Problem struct {
	// File is the file the problem is in (the Kustomization's file, or
	// its path).
	File string
	// Subject names the object, e.g. "Kustomization flux-system/apps".
	Subject string
	// Message says what is wrong and what was done instead.
	Message string
	// Error is true when something was not built at all; false for a
	// caveat (a placeholder left, a Secret not read).
	Error bool
}

func (p Problem) String() string {
	s := p.Subject + ": " + p.Message
	if p.File != "" {
		s = p.File + ": " + s
	}
	return s
}

// Object is one object of the build, with the Kustomization that
// produced it.
type Object struct {
	*unstructured.Unstructured
	// By is the producing Kustomization (namespace/name), or the
	// directory for a plain kustomize build.
	By string
}

// Result is what a repository builds to.
type Result struct {
	// Objects are the objects Flux would apply, each once, in build order.
	Objects []Object
	// Built are the Kustomizations built (namespace/name), in order.
	Built []string
	// Problems are what could not be built, or was built with a caveat.
	Problems []Problem
	// Root is the repository root the build read.
	Root string
	// Source is the Flux source the roots build from, which is this
	// repository (nil when they name none).
	Source *SourceRef

	built []Kustomization
}

// SourceRef names a Flux source object.
type SourceRef struct {
	Kind, Namespace, Name string
}

// Options say what to build.
type Options struct {
	// Root is the repository root Kustomization paths are relative to.
	Root string
	// Known are the Kustomizations written in the repository's files
	// (FindKustomizations): one a build produces is named by its file.
	Known []Kustomization
	// Vars are values for post-build variables, set by the user: they fill
	// the variables a Kustomization's substitutions leave without a value
	// (those of its Secrets, say); the repository's own values win.
	Vars map[string]string
}

// builder carries the state of one build.
type builder struct {
	opts     Options
	res      Result
	source   *kustomizev1.CrossNamespaceSourceReference // the source the roots build from: this repository
	seen     map[string]bool                            // Kustomizations queued or built
	objects  map[string]string                          // object identity -> the Kustomization that produced it
	configs  map[string]map[string]string               // namespace/name -> data of ConfigMaps built so far
	secrets  map[string]map[string]string               // namespace/name -> data of Secrets built so far (nil: encrypted)
	queue    []Kustomization
	dups     map[[2]string][]string // objects two Kustomizations both apply
	dupOrder [][2]string
	// rootPaths are the paths of Directory roots: a Kustomization of the
	// same path (the cluster's own flux-system) is that root again.
	rootPaths []string
	deferred  []Kustomization
	// schemaChosen says whether a kustomization of the repository chooses
	// an OpenAPI schema (nil: not looked yet); see runKustomize.
	schemaChosen *bool
	// isolateSchemas makes every build parse kustomize's schema afresh, as
	// fluxkustomize.Build does (tests compare the two ways).
	isolateSchemas bool
}

func newBuilder(opts Options) *builder {
	return &builder{opts: opts, seen: map[string]bool{}, objects: map[string]string{}, configs: map[string]map[string]string{},
		secrets: map[string]map[string]string{}, dups: map[[2]string][]string{}}
}

// Build builds a cluster from its root Kustomizations, following the
// Kustomizations each build produces.
func Build(opts Options, roots []Kustomization) *Result {
	return newBuilder(opts).buildRoots(roots)
}

// buildRoots is Build with a builder of the caller's.
func (b *builder) buildRoots(roots []Kustomization) *Result {
	for _, r := range roots {
		if r.Synthetic {
			b.rootPaths = append(b.rootPaths, filepath.Clean(r.Path()))
		}
		if b.source == nil && !r.Synthetic {
			if ks, err := typed(r.Object); err == nil && ks.Spec.SourceRef.Name != "" {
				src := ks.Spec.SourceRef
				if src.Namespace == "" {
					src.Namespace = r.Object.GetNamespace()
				}
				b.source = &src
			}
		}
		b.enqueue(r)
	}
	b.run()
	b.reportDuplicates()
	b.res.Root = b.opts.Root
	if b.source != nil {
		b.res.Source = &SourceRef{Kind: b.source.Kind, Namespace: b.source.Namespace, Name: b.source.Name}
	}
	return &b.res
}

// BuildDirectory builds a directory as `kustomize build` would (no Flux
// Kustomization): its kustomization file, or every manifest under it.
func BuildDirectory(root, dir string) *Result {
	b := newBuilder(Options{Root: root})
	rel, err := filepath.Rel(root, dir)
	if err != nil {
		rel = dir
	}
	empty := &unstructured.Unstructured{Object: map[string]any{"apiVersion": kustomizev1.GroupVersion.String(), "kind": "Kustomization",
		"metadata": map[string]any{"name": filepath.Base(dir)}, "spec": map[string]any{"path": "./" + filepath.ToSlash(rel)}}}
	resources, err := b.kustomize(Kustomization{Object: empty}, dir)
	if err != nil {
		b.problem(Problem{File: dir, Subject: "kustomize build", Message: err.Error(), Error: true})
		return &b.res
	}
	for _, r := range resources {
		b.add(r, rel)
	}
	b.res.Root = root
	return &b.res
}

// fileOf guesses the file a Kustomization a build produced is written in:
// the only known one of its namespace and name, or the one in the
// directory of the Kustomization that produced it.
func (b *builder) fileOf(u *unstructured.Unstructured, from string) string {
	var candidates []string
	for _, k := range b.opts.Known {
		if k.Object.GetName() == u.GetName() && (k.Object.GetNamespace() == u.GetNamespace() || k.Object.GetNamespace() == "") {
			candidates = append(candidates, k.File)
		}
	}
	if len(candidates) == 1 {
		return candidates[0]
	}
	for _, k := range b.res.built {
		if k.Key() != from {
			continue
		}
		for _, c := range candidates {
			if within(c, filepath.Join(b.opts.Root, k.Path())) {
				return c
			}
		}
	}
	return ""
}

// reportDuplicates says, once per pair of Kustomizations, which objects
// both apply: Flux would have them fight over the objects.
func (b *builder) reportDuplicates() {
	for _, pair := range b.dupOrder {
		objs := b.dups[pair]
		b.problem(Problem{Subject: pair[1], Message: fmt.Sprintf("%d objects are applied by %s too, which Flux applies them for (the first kept): %s",
			len(objs), pair[0], strings.Join(objs, ", "))})
	}
}

func (b *builder) enqueue(k Kustomization) {
	if b.seen[k.Key()] || (!k.Synthetic && slices.Contains(b.rootPaths, filepath.Clean(k.Path()))) {
		return
	}
	b.seen[k.Key()] = true
	b.queue = append(b.queue, k)
}

// run builds the queue; a Kustomization whose substituteFrom ConfigMaps are
// not built yet waits until nothing else can be built.
func (b *builder) run() {
	for {
		for len(b.queue) > 0 {
			k := b.queue[0]
			b.queue = b.queue[1:]
			if b.waitsForConfig(k) {
				b.deferred = append(b.deferred, k)
				continue
			}
			b.build(k)
		}
		if len(b.deferred) == 0 {
			return
		}
		// Nothing else to build: the first that waits goes on with what
		// there is, and the others get another chance.
		k := b.deferred[0]
		b.queue, b.deferred = b.deferred[1:], nil
		b.build(k)
	}
}

// typed converts a Kustomization to its typed form.
func typed(u *unstructured.Unstructured) (*kustomizev1.Kustomization, error) {
	var ks kustomizev1.Kustomization
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &ks); err != nil {
		return nil, err
	}
	return &ks, nil
}

func (b *builder) problem(p Problem) { b.res.Problems = append(b.res.Problems, p) }

// build builds one Kustomization and queues the Kustomizations it
// produces.
func (b *builder) build(k Kustomization) {
	subject := "Kustomization " + k.Key()
	if k.From != "" {
		subject += " (applied by " + k.From + ")"
	}
	file := k.File
	ks, err := typed(k.Object)
	if err != nil {
		b.problem(Problem{File: file, Subject: subject, Message: "not a valid Kustomization: " + err.Error(), Error: true})
		return
	}
	if ks.Spec.Suspend {
		b.problem(Problem{File: file, Subject: subject, Message: "suspended: not built (Flux does not apply it while it is suspended)"})
		return
	}
	if !b.fromThisRepository(ks) {
		b.problem(Problem{File: file, Subject: subject, Message: fmt.Sprintf("builds from %s %s, not from this repository: not built",
			ks.Spec.SourceRef.Kind, ks.Spec.SourceRef.Name), Error: true})
		return
	}
	dir := filepath.Join(b.opts.Root, filepath.FromSlash(ks.Spec.Path))
	if !within(dir, b.opts.Root) {
		b.problem(Problem{File: file, Subject: subject, Message: fmt.Sprintf("path %s leaves the repository: not built", ks.Spec.Path), Error: true})
		return
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		b.problem(Problem{File: file, Subject: subject, Message: fmt.Sprintf("path %s is not a directory of the repository: not built", displayPath(ks.Spec.Path)), Error: true})
		return
	}
	resources, err := b.kustomize(k, dir)
	if err != nil {
		b.problem(Problem{File: file, Subject: subject, Message: "kustomize build of " + displayPath(ks.Spec.Path) + " failed: " + err.Error(), Error: true})
		return
	}
	vars, caveats := b.variables(ks)
	for _, c := range caveats {
		b.problem(Problem{File: file, Subject: subject, Message: c})
	}
	left := map[string]bool{}
	for _, r := range resources {
		if ks.Spec.PostBuild != nil {
			out, unknown, err := substitute(r, vars, ks.Spec.PostBuild.SubstituteStrategy == kustomizev1.SubstituteStrategyAlways)
			if err != nil {
				b.problem(Problem{File: file, Subject: subject, Message: fmt.Sprintf("%s %s: post-build substitution failed, left as written: %v",
					r.GetKind(), r.GetName(), err)})
			} else {
				r = out
			}
			for _, v := range unknown {
				left[v] = true
			}
		}
		b.add(r, "Kustomization "+k.Key())
	}
	if len(left) > 0 {
		b.problem(Problem{File: file, Subject: subject, Message: fmt.Sprintf("${%s} left as written: no value in the repository (a Secret of substituteFrom, or set one with --set VAR=value)",
			strings.Join(sortedKeys(left), "}, ${"))})
	}
	b.res.Built = append(b.res.Built, k.Key())
	b.res.built = append(b.res.built, k)
}

// fromThisRepository says whether a Kustomization builds from the source
// the roots build from.
func (b *builder) fromThisRepository(ks *kustomizev1.Kustomization) bool {
	if b.source == nil {
		return true
	}
	src := ks.Spec.SourceRef
	if src.Namespace == "" {
		src.Namespace = ks.Namespace
	}
	return src.Kind == b.source.Kind && src.Name == b.source.Name && src.Namespace == b.source.Namespace
}

// kustomize builds dir with the Flux generator for k, in memory.
func (b *builder) kustomize(k Kustomization, dir string) ([]*unstructured.Unstructured, error) {
	disk, err := fluxfs.MakeFsOnDiskSecure(b.opts.Root)
	if err != nil {
		return nil, err
	}
	gen := fluxkustomize.NewGenerator(b.opts.Root, *k.Object)
	manifest, kfile, _, err := gen.GenerateManifest(dir)
	if err != nil {
		return nil, err
	}
	fs := fluxfs.MakeFsInMemory(disk)
	if err := fs.WriteFile(kfile, manifest); err != nil {
		return nil, err
	}
	rm, err := b.runKustomize(fs, dir)
	if err != nil {
		return nil, err
	}
	return toUnstructured(rm)
}

func toUnstructured(rm resmap.ResMap) ([]*unstructured.Unstructured, error) {
	out := make([]*unstructured.Unstructured, 0, rm.Size())
	for _, r := range rm.Resources() {
		m, err := r.Map()
		if err != nil {
			return nil, err
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out, nil
}

// add records an object of the build, queueing it when it is a Flux
// Kustomization and remembering ConfigMaps and Secrets for substitution.
func (b *builder) add(u *unstructured.Unstructured, by string) {
	id := u.GroupVersionKind().GroupKind().String() + " " + u.GetNamespace() + "/" + u.GetName()
	if first, dup := b.objects[id]; dup {
		pair := [2]string{first, by}
		if b.dups[pair] == nil {
			b.dupOrder = append(b.dupOrder, pair)
		}
		b.dups[pair] = append(b.dups[pair], id)
		return
	}
	b.objects[id] = by
	b.res.Objects = append(b.res.Objects, Object{Unstructured: u, By: by})
	switch {
	case IsKustomization(u):
		if u.GetNamespace() == "" {
			u.SetNamespace("default")
		}
		from := strings.TrimPrefix(by, "Kustomization ")
		b.enqueue(Kustomization{Object: u, From: from, File: b.fileOf(u, from)})
	case u.GetAPIVersion() == "v1" && u.GetKind() == "ConfigMap":
		data, _, _ := unstructured.NestedStringMap(u.Object, "data")
		b.configs[u.GetNamespace()+"/"+u.GetName()] = data
	case u.GetAPIVersion() == "v1" && u.GetKind() == "Secret":
		b.secrets[u.GetNamespace()+"/"+u.GetName()] = secretData(u)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Directory is a root that builds a directory of the repository (relative
// to its root) as a Flux Kustomization of that path would: what
// `flux build` of a cluster directory does.
func Directory(rel string) Kustomization {
	path := "./" + filepath.ToSlash(filepath.Clean(rel))
	return Kustomization{Synthetic: true, Object: &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": kustomizev1.GroupVersion.String(), "kind": "Kustomization",
		"metadata": map[string]any{"name": path, "namespace": "flux-system"},
		"spec":     map[string]any{"path": path},
	}}}
}
