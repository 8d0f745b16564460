package report

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
)

// Format is one output format: a name, a one-line description, and what it
// renders. A format renders a NetworkInventory (Inventory), explains one
// subject of the engine's model (Explanation), or both. Each format
// registers itself, in the file that holds its renderer, so adding a format
// touches that file and its test only.
type Format struct {
	// Name is what -o takes.
	Name string
	// Aliases are other names -o accepts for the format.
	Aliases []string
	// Description says in a few words what the output is, for -o's help.
	Description string
	// Inventory renders a NetworkInventory; nil when the format cannot.
	Inventory func(w io.Writer, ni *v1alpha1.NetworkInventory) error
	// Explanation says why a subject (hostname, namespace/pod or namespace)
	// is exposed or isolated as it is; nil when the format cannot.
	Explanation func(w io.Writer, md *model.Model, subject string) error
}

// ErrUnknownSubject is wrapped by an explanation's error when the model has
// no endpoint, namespace or pod of the subject's name.
var ErrUnknownSubject = errors.New("no endpoint, namespace or pod of that name in the inventory")

// registry holds every format by name; see register.
var registry = map[string]Format{}

// register adds a format to the registry. It is called from the init
// function of the file that holds the format's renderer.
func register(f Format) {
	for _, name := range append([]string{f.Name}, f.Aliases...) {
		if _, dup := registry[name]; dup {
			panic(fmt.Sprintf("report: output format %q registered twice", name))
		}
		registry[name] = f
	}
}

// formats returns the formats that have a renderer for which, by name.
func formats(has func(Format) bool) []Format {
	var out []Format
	for name, f := range registry {
		if name == f.Name && has(f) {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// InventoryFormats returns the formats that render a NetworkInventory, by
// name.
func InventoryFormats() []Format { return formats(func(f Format) bool { return f.Inventory != nil }) }

// ExplanationFormats returns the formats that explain a subject, by name.
func ExplanationFormats() []Format {
	return formats(func(f Format) bool { return f.Explanation != nil })
}

// Find returns the format among fs that has the name or alias.
func Find(fs []Format, name string) (Format, error) {
	names := make([]string, len(fs))
	for i, f := range fs {
		if f.Name == name || slices.Contains(f.Aliases, name) {
			return f, nil
		}
		names[i] = f.Name
	}
	return Format{}, fmt.Errorf("unknown output format %q (one of %s)", name, strings.Join(names, ", "))
}

// Usage describes formats for a flag's help, on one line.
func Usage(fs []Format) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.Name + " (" + f.Description + ")"
	}
	return strings.Join(parts, ", ")
}

// Render writes the inventory in a format.
func Render(w io.Writer, format string, ni *v1alpha1.NetworkInventory) error {
	f, err := Find(InventoryFormats(), format)
	if err != nil {
		return err
	}
	return f.Inventory(w, ni)
}

// Explain writes, in a format, why a subject (hostname, namespace/pod or
// namespace) of the model is exposed or isolated as it is. A subject the
// model does not hold is an error wrapping ErrUnknownSubject.
func Explain(w io.Writer, format string, md *model.Model, subject string) error {
	f, err := Find(ExplanationFormats(), format)
	if err != nil {
		return err
	}
	return f.Explanation(w, md, subject)
}
