package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/scheme"
)

// peekKind reads a document's apiVersion and kind from its top-level
// "apiVersion:" and "kind:" lines, without parsing it; ok is false when
// they are not both written that way (flow style, anchors, quoting that is
// not plain): the document is then parsed.
func peekKind(body []byte) (schema.GroupVersionKind, bool) {
	var apiVersion, kind string
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		switch {
		case bytes.HasPrefix(line, []byte("apiVersion:")):
			apiVersion = plainValue(line[len("apiVersion:"):])
		case bytes.HasPrefix(line, []byte("kind:")):
			kind = plainValue(line[len("kind:"):])
		}
	}
	if apiVersion == "" || kind == "" {
		return schema.GroupVersionKind{}, false
	}
	return schema.FromAPIVersionAndKind(apiVersion, kind), true
}

// plainValue is a plain scalar ("v1", "Service"), or "" when the value is
// anything else.
func plainValue(v []byte) string {
	s := strings.TrimSpace(string(v))
	if i := strings.Index(s, " #"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if s == "" || strings.ContainsAny(s, "\"'{}[]&*!|>%@`#:, ") {
		return ""
	}
	return s
}

// reads says whether the loader does anything with objects of a kind (a
// strict loader refuses the others, so reads them all): the inventory's
// sources, NetworkInventory, Lists, what Other may take,
// ConfigMaps (Cilium's configuration, tunnels), and what it keeps.
func (l *Loader) reads(gvk schema.GroupVersionKind) bool {
	gk := gvk.GroupKind()
	return l.Strict || l.Keep || l.Other != nil && (l.OtherReads == nil || l.OtherReads(gk)) ||
		SourceFor(gk) != nil ||
		gk == v1alpha1.GroupVersion.WithKind("NetworkInventory").GroupKind() ||
		strings.HasSuffix(gvk.Kind, "List") ||
		gk == schema.GroupKind{Kind: "ConfigMap"} ||
		l.KeepIf != nil && l.KeepIf(gvk)
}

// addTyped decodes a document of a source kind straight into its Go type
// when nothing needs it as an unstructured object; done is false when the
// document is to be read the general way. gvk is the document's kind when
// peekKind read it (the JSON is then not scanned for it), else empty.
func (l *Loader) addTyped(jsonBody []byte, gvk schema.GroupVersionKind) (done bool, err error) {
	if gvk.Kind == "" {
		var tm struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if json.Unmarshal(jsonBody, &tm) != nil || tm.APIVersion == "" || tm.Kind == "" {
			return false, nil
		}
		gvk = schema.FromAPIVersionAndKind(tm.APIVersion, tm.Kind)
	}
	src := SourceFor(gvk.GroupKind())
	if src == nil || l.Keep || (l.KeepIf != nil && l.KeepIf(gvk)) {
		return false, nil
	}
	obj, err := l.decodeTyped(jsonBody, gvk)
	if err != nil {
		var name struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		_ = json.Unmarshal(jsonBody, &name)
		return true, fmt.Errorf("%s %q: %w", gvk, name.Metadata.Name, err)
	}
	accessor, err := meta.Accessor(obj)
	if err != nil {
		return true, err
	}
	if src.Namespaced && accessor.GetNamespace() == "" {
		l.noNamespace(gvk.Kind, accessor.GetName())
		accessor.SetNamespace("default") // as kubectl applies it
	}
	if err := src.Add(&l.snap, obj); err != nil {
		return true, err
	}
	l.objects++
	return true, nil
}

// decodeTyped decodes a document of a known kind into its Go type. A
// lenient loader unmarshals it straight into the scheme's type (what the
// deserializer does after scanning the document for its kind once more);
// a strict one goes through the deserializer, which reports unknown and
// duplicate fields.
func (l *Loader) decodeTyped(jsonBody []byte, gvk schema.GroupVersionKind) (runtime.Object, error) {
	if !l.Strict {
		if obj, err := scheme.Scheme.New(gvk); err == nil {
			if err := utiljson.Unmarshal(jsonBody, obj); err != nil {
				return nil, err
			}
			return obj, nil
		}
	}
	obj, _, err := decoder(l.Strict).Decode(jsonBody, nil, nil)
	return obj, err
}
