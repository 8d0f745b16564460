package snapshot

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/scheme"
)

// Loader builds a Snapshot from YAML manifests.
type Loader struct {
	// Strict makes a document of a kind the inventory does not read an
	// error; otherwise such documents are skipped.
	Strict bool
	// Other, when set, receives the documents of other kinds instead of
	// their being skipped or refused (the offline audit turns workloads into
	// pods with it). It returns true when it took the object.
	Other func(s *Snapshot, obj *unstructured.Unstructured) (bool, error)
	// OtherReads, when set, says which kinds Other may take: documents of
	// other kinds the inventory does not read are not even parsed. Nil:
	// every document is parsed.
	OtherReads func(schema.GroupKind) bool

	// Inventories are the NetworkInventory objects found among the
	// manifests; they are not sources, but give the offline engine its spec.
	Inventories []v1alpha1.NetworkInventory
	// Objects, when Keep is set, are all the documents read, in order.
	Objects []*unstructured.Unstructured
	// Keep makes the loader keep every object it read in Objects.
	Keep bool
	// KeepIf, when set (and Keep is not), keeps in Objects the objects of
	// the kinds it says yes to (the audit keeps what HelmReleases need).
	KeepIf func(schema.GroupVersionKind) bool
	// Preprocess, when set, rewrites each file's bytes before they are
	// parsed (the offline audit substitutes placeholders with it).
	Preprocess func([]byte) []byte
	// Stdin is what the path "-" reads; os.Stdin when nil.
	Stdin io.Reader
	// ValidateInventory, when set, checks each NetworkInventory before it
	// is decoded (the offline audit validates it against the CRD); its
	// error is the document's.
	ValidateInventory func(u *unstructured.Unstructured) error

	// NoNamespace lists the objects of namespaced kinds the inventory
	// reads that name no namespace ("Kind name (origin)"): they are read
	// in default, as kubectl would apply them, which is seldom what a
	// repository means.
	NoNamespace []string

	snap    Snapshot
	errs    []error
	objects int
	origin  string // the file or build the object being read comes from
}

// The decoders are built once: a codec factory over the whole scheme is
// not cheap.
var (
	strictDecoder  = sync.OnceValue(func() runtime.Decoder { return newDecoder(serializer.EnableStrict) })
	lenientDecoder = sync.OnceValue(func() runtime.Decoder { return newDecoder() })
)

func newDecoder(opts ...serializer.CodecFactoryOptionsMutator) runtime.Decoder {
	return serializer.NewCodecFactory(scheme.Scheme, opts...).UniversalDeserializer()
}

func decoder(strict bool) runtime.Decoder {
	if strict {
		return strictDecoder()
	}
	return lenientDecoder()
}

// AddPath reads a file, a directory recursively (but for the Helm charts
// in it: their templates are not manifests), or "-" for standard input.
func (l *Loader) AddPath(path string) {
	if path == "-" {
		in := l.Stdin
		if in == nil {
			in = os.Stdin
		}
		l.AddReader("-", in)
		return
	}
	info, err := os.Stat(path)
	if err != nil {
		l.errs = append(l.errs, err)
		return
	}
	if !info.IsDir() {
		l.addFile(path)
		return
	}
	// WalkDir does not follow a symlinked root: walk what it points to.
	root := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		root = resolved
	}
	var files []string
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && isChart(p) {
			return filepath.SkipDir // templates, not manifests: a HelmRelease renders them
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			if !d.IsDir() {
				files = append(files, p)
			}
		}
		return nil
	})
	if err != nil {
		l.errs = append(l.errs, err)
	}
	if err == nil && len(files) == 0 {
		l.errs = append(l.errs, fmt.Errorf("%s: %w", path, ErrNoManifests))
	}
	sort.Strings(files)
	l.addFiles(files)
}

// addFiles reads files several at once, each into a loader of its own,
// and appends what they read in the order of the files, as if read one
// after the other. The snapshot's lists are first grown to what the files'
// top-level "kind:" lines announce, and each file's part is appended and
// dropped as soon as it and those before it are read, so the parts and the
// whole are not all held at once.
func (l *Loader) addFiles(files []string) {
	l.growFor(files)
	l.sharePods() // before the forks, which share it
	parts := make([]*Loader, len(files))
	done := make([]chan struct{}, len(files))
	for i := range done {
		done[i] = make(chan struct{})
	}
	work := make(chan int)
	for range min(goruntime.GOMAXPROCS(0), len(files)) {
		go func() {
			for i := range work {
				part := l.fork()
				part.addFile(files[i])
				parts[i] = part
				close(done[i])
			}
		}()
	}
	go func() {
		for i := range files {
			work <- i
		}
		close(work)
	}()
	for i := range files {
		<-done[i]
		p := parts[i]
		parts[i] = nil
		l.Inventories = append(l.Inventories, p.Inventories...)
		l.Objects = append(l.Objects, p.Objects...)
		l.NoNamespace = append(l.NoNamespace, p.NoNamespace...)
		l.errs = append(l.errs, p.errs...)
		l.objects += p.objects
		l.snap.Concat(&p.snap)
	}
}

// growFor grows the snapshot's lists by the objects of each source kind
// the files' top-level "kind:" lines announce (an estimate: the group is
// not checked, and workloads' pods are not counted).
func (l *Loader) growFor(files []string) {
	counts := map[string]int{}
	for _, f := range files {
		file, err := os.Open(f)
		if err != nil {
			continue // addFile reports it
		}
		sc := bufio.NewScanner(file)
		sc.Buffer(make([]byte, 64*1024), 16<<20)
		for sc.Scan() {
			if kind, ok := bytes.CutPrefix(sc.Bytes(), []byte("kind:")); ok {
				counts[plainValue(kind)]++
			}
		}
		_ = file.Close()
	}
	for _, src := range Sources {
		if n := counts[src.Kind]; n > 0 {
			src.grow(&l.snap, n)
		}
	}
}

// fork returns an empty loader that reads as l does, sharing the parts of
// pods with it (call sharePods first).
func (l *Loader) fork() *Loader {
	f := &Loader{Strict: l.Strict, Other: l.Other, OtherReads: l.OtherReads, Keep: l.Keep, KeepIf: l.KeepIf, Preprocess: l.Preprocess,
		ValidateInventory: l.ValidateInventory}
	f.snap.podParts = l.snap.podParts
	return f
}

// sharePods makes the pods the loader reads share their equal labels,
// owners, containers, volumes and strings, as the manager's cache does
// (exported manifests of a workload's pods carry the same ones).
func (l *Loader) sharePods() {
	if l.snap.podParts == nil {
		l.snap.podParts = &SharedPodParts{}
	}
}

// isChart says whether dir is a Helm chart.
func isChart(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "Chart.yaml"))
	return err == nil
}

func (l *Loader) addFile(path string) {
	f, err := os.Open(path)
	if err != nil {
		l.errs = append(l.errs, err)
		return
	}
	defer func() { _ = f.Close() }()
	l.AddReader(path, f)
}

// AddReader reads multi-document YAML (or JSON) named name.
func (l *Loader) AddReader(name string, r io.Reader) {
	l.sharePods()
	if l.Preprocess != nil {
		data, err := io.ReadAll(r)
		if err != nil {
			l.errs = append(l.errs, fmt.Errorf("%s: %w", name, err))
			return
		}
		r = bytes.NewReader(l.Preprocess(data))
	}
	i := 0
	l.origin = name
	err := readDocuments(r, func(body []byte, line int) {
		i++
		if err := l.addDocument(body, line); err != nil {
			l.errs = append(l.errs, &DocumentError{File: name, Document: i, Line: line, Err: err})
		}
	})
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("%s: %w", name, err))
	}
}

// AddObject reads one object that did not come from a file of its own (a
// build's output, a rendered chart); origin names where it came from in
// its error.
func (l *Loader) AddObject(origin string, u *unstructured.Unstructured) {
	l.sharePods()
	l.origin = origin
	if err := l.addObject(u); err != nil {
		l.errs = append(l.errs, &ObjectError{Origin: origin, Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName(), Err: err})
	}
}

// Count is the number of Kubernetes objects read so far, of every kind,
// the items of a List one by one; unreadable documents do not count.
func (l *Loader) Count() int { return l.objects }

// Snapshot returns what was loaded, with every source kind available, and
// the errors met on the way.
func (l *Loader) Snapshot() (*Snapshot, error) {
	s := l.snap
	s.Sources, s.podParts = nil, nil // the tables are for loading only
	for _, src := range Sources {
		s.Sources = append(s.Sources, SourceState{Source: src, Available: true, Version: src.Versions[0]})
	}
	return &s, errors.Join(l.errs...)
}

// addDocument reads one document whose content starts at line of its
// file.
func (l *Loader) addDocument(body []byte, line int) error {
	gvk, peeked := peekKind(body)
	if peeked && !l.reads(gvk) {
		l.objects++ // an object the inventory does not read: not parsed
		return nil
	}
	jsonBody, err := YAMLToJSON(body)
	if err != nil {
		return absoluteLines(err, line)
	}
	if !peeked {
		gvk = schema.GroupVersionKind{}
	}
	if done, err := l.addTyped(jsonBody, gvk); done {
		return err
	}
	var doc any
	if err := utiljson.Unmarshal(jsonBody, &doc); err != nil {
		return err
	}
	var u *unstructured.Unstructured
	switch doc := doc.(type) {
	case nil:
		return nil // "~" or "null": nothing, as an empty document
	case map[string]any:
		u = &unstructured.Unstructured{Object: doc}
	case []any:
		return errors.New("not an object but a list (a List needs apiVersion, kind and items)")
	default:
		return fmt.Errorf("not an object but a scalar (%T)", doc)
	}
	if _, hasVersion := u.Object["apiVersion"]; !hasVersion {
		if _, hasKind := u.Object["kind"]; !hasKind {
			return ErrNotAnObject
		}
	}
	if !u.IsList() {
		return l.addObject(u)
	}
	if err := checkTypeMeta(u); err != nil {
		return err
	}
	list, err := u.ToList()
	if err != nil {
		return err
	}
	var errs []error
	for i := range list.Items {
		if err := l.addObject(&list.Items[i]); err != nil {
			errs = append(errs, fmt.Errorf("item %d: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// checkTypeMeta refuses an object without apiVersion or kind, as kubectl
// apply does.
func checkTypeMeta(u *unstructured.Unstructured) error {
	var missing []string
	if u.GetAPIVersion() == "" {
		missing = append(missing, "apiVersion")
	}
	if u.GetKind() == "" {
		missing = append(missing, "kind")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not set (or not a string)", strings.Join(missing, " and "))
	}
	return nil
}

func (l *Loader) addObject(u *unstructured.Unstructured) error {
	if err := checkTypeMeta(u); err != nil {
		return err
	}
	if l.Keep || (l.KeepIf != nil && l.KeepIf(u.GroupVersionKind())) {
		l.Objects = append(l.Objects, u)
	}
	if err := l.readObject(u); err != nil {
		return err
	}
	l.objects++
	return nil
}

// noNamespace records an object of a namespaced kind that names no
// namespace.
func (l *Loader) noNamespace(kind, name string) {
	l.NoNamespace = append(l.NoNamespace, fmt.Sprintf("%s %s (%s)", kind, name, l.origin))
}

func (l *Loader) readObject(u *unstructured.Unstructured) error {
	gvk := u.GroupVersionKind()
	if gvk.GroupKind() == v1alpha1.GroupVersion.WithKind("NetworkInventory").GroupKind() {
		if l.ValidateInventory != nil {
			if err := l.ValidateInventory(u); err != nil {
				return fmt.Errorf("NetworkInventory %q: %w", u.GetName(), err)
			}
		}
		var ni v1alpha1.NetworkInventory
		if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, &ni, l.Strict); err != nil {
			return fmt.Errorf("NetworkInventory %q: %w", u.GetName(), err)
		}
		l.Inventories = append(l.Inventories, ni)
		return nil
	}
	src := SourceFor(gvk.GroupKind())
	if src == nil {
		if took, err := readCiliumConfig(&l.snap, u); took || err != nil {
			return err
		}
		if took, err := readTunnelConfig(&l.snap, u); took || err != nil {
			return err
		}
		if l.Other != nil {
			noNamespace := u.GetNamespace() == ""
			if took, err := l.Other(&l.snap, u); took || err != nil {
				if took && err == nil && noNamespace {
					l.noNamespace(u.GetKind(), u.GetName())
				}
				return err
			}
		}
		if l.Strict {
			return fmt.Errorf("%s %q: %w", gvk, u.GetName(), ErrUnknownKind)
		}
		return nil
	}
	if src.Namespaced && u.GetNamespace() == "" {
		l.noNamespace(u.GetKind(), u.GetName())
		u.SetNamespace("default") // as kubectl applies it
	}
	data, err := u.MarshalJSON()
	if err != nil {
		return err
	}
	obj, _, err := decoder(l.Strict).Decode(data, nil, nil)
	if err != nil {
		return fmt.Errorf("%s %q: %w", gvk, u.GetName(), err)
	}
	return src.Add(&l.snap, obj)
}
