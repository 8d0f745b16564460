package snapshot

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/yaml"

	"netinventory.io/netinventory/api/v1alpha1"
)

// DocumentError is a YAML document that could not be read, with its
// position.
type DocumentError struct {
	// File the document is in ("-" for standard input).
	File string
	// Document is the 1-based index of the document in the file.
	Document int
	// Line is the 1-based line the document starts at.
	Line int
	// Err says what is wrong.
	Err error
}

func (e *DocumentError) Error() string {
	return fmt.Sprintf("%s: document %d (line %d): %v", e.File, e.Document, e.Line, e.Err)
}

func (e *DocumentError) Unwrap() error { return e.Err }

// ErrUnknownKind is wrapped by the error of a document whose kind is not a
// source kind.
var ErrUnknownKind = errors.New("not a kind the inventory reads")

// Loader builds a Snapshot from YAML manifests.
type Loader struct {
	// Strict makes a document of a kind the inventory does not read an
	// error; otherwise such documents are skipped.
	Strict bool
	// Other, when set, receives the documents of other kinds instead of
	// their being skipped or refused (the offline audit turns workloads into
	// pods with it). It returns true when it took the object.
	Other func(s *Snapshot, obj *unstructured.Unstructured) (bool, error)

	// Inventories are the NetworkInventory objects found among the
	// manifests; they are not sources, but give the offline engine its spec.
	Inventories []v1alpha1.NetworkInventory
	// Objects, when Keep is set, are all the documents read, in order.
	Objects []*unstructured.Unstructured
	// Keep makes the loader keep every object it read in Objects.
	Keep bool
	// Preprocess, when set, rewrites each file's bytes before they are
	// parsed (the offline audit substitutes placeholders with it).
	Preprocess func([]byte) []byte
	// Stdin is what the path "-" reads; os.Stdin when nil.
	Stdin io.Reader

	snap Snapshot
	errs []error
}

// The decoders are built once: a codec factory over the whole scheme is
// not cheap.
var (
	strictDecoder  = sync.OnceValue(func() runtime.Decoder { return newDecoder(serializer.EnableStrict) })
	lenientDecoder = sync.OnceValue(func() runtime.Decoder { return newDecoder() })
)

func newDecoder(opts ...serializer.CodecFactoryOptionsMutator) runtime.Decoder {
	return serializer.NewCodecFactory(Scheme, opts...).UniversalDeserializer()
}

func decoder(strict bool) runtime.Decoder {
	if strict {
		return strictDecoder()
	}
	return lenientDecoder()
}

// LoadFiles reads files and directories (recursively, *.yaml, *.yml and
// *.json) into a Snapshot. Every source kind counts as available. The error
// joins one DocumentError per unreadable document; the Snapshot holds all
// the others.
func LoadFiles(strict bool, paths ...string) (*Snapshot, error) {
	l := &Loader{Strict: strict}
	for _, p := range paths {
		l.AddPath(p)
	}
	return l.Snapshot()
}

// AddPath reads a file, a directory recursively, or "-" for standard input.
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
	var files []string
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
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
	sort.Strings(files)
	for _, f := range files {
		l.addFile(f)
	}
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
	if l.Preprocess != nil {
		data, err := io.ReadAll(r)
		if err != nil {
			l.errs = append(l.errs, fmt.Errorf("%s: %w", name, err))
			return
		}
		r = bytes.NewReader(l.Preprocess(data))
	}
	docs, err := splitDocuments(r)
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("%s: %w", name, err))
	}
	for i, d := range docs {
		if err := l.addDocument(d.body); err != nil {
			l.errs = append(l.errs, &DocumentError{File: name, Document: i + 1, Line: d.line, Err: err})
		}
	}
}

// Snapshot returns what was loaded, with every source kind available, and
// the errors met on the way.
func (l *Loader) Snapshot() (*Snapshot, error) {
	s := l.snap
	s.Sources = nil
	for _, src := range Sources {
		s.Sources = append(s.Sources, SourceState{Source: src, Available: true, Version: src.Versions[0]})
	}
	return &s, errors.Join(l.errs...)
}

type document struct {
	body []byte
	line int
}

// splitDocuments splits a YAML stream at `---` lines, remembering where each
// document starts; documents holding only comments and blanks are dropped.
func splitDocuments(r io.Reader) ([]document, error) {
	var docs []document
	var cur bytes.Buffer
	start, line := 1, 0
	flush := func() {
		if hasContent(cur.Bytes()) {
			docs = append(docs, document{body: bytes.Clone(cur.Bytes()), line: start})
		}
		cur.Reset()
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.HasPrefix(text, "---") && strings.TrimSpace(strings.TrimPrefix(text, "---")) == "" {
			flush()
			start = line + 1
			continue
		}
		if cur.Len() == 0 && !hasContent([]byte(text)) {
			start = line + 1
		}
		cur.WriteString(text)
		cur.WriteByte('\n')
	}
	flush()
	return docs, sc.Err()
}

func hasContent(b []byte) bool {
	for _, ln := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimSpace(ln)
		if len(t) > 0 && t[0] != '#' {
			return true
		}
	}
	return false
}

func (l *Loader) addDocument(body []byte) error {
	jsonBody, err := yaml.YAMLToJSON(body)
	if err != nil {
		return err
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(jsonBody); err != nil {
		return err
	}
	if u.IsList() {
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
	return l.addObject(u)
}

func (l *Loader) addObject(u *unstructured.Unstructured) error {
	if l.Keep {
		l.Objects = append(l.Objects, u)
	}
	gvk := u.GroupVersionKind()
	if gvk.GroupKind() == v1alpha1.GroupVersion.WithKind("NetworkInventory").GroupKind() {
		var ni v1alpha1.NetworkInventory
		if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, &ni, l.Strict); err != nil {
			return fmt.Errorf("NetworkInventory %q: %w", u.GetName(), err)
		}
		l.Inventories = append(l.Inventories, ni)
		return nil
	}
	src := SourceFor(gvk.GroupKind())
	if src == nil {
		if l.Other != nil {
			if took, err := l.Other(&l.snap, u); took || err != nil {
				return err
			}
		}
		if l.Strict {
			return fmt.Errorf("%s %q: %w", gvk, u.GetName(), ErrUnknownKind)
		}
		return nil
	}
	if src.Namespaced && u.GetNamespace() == "" {
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
