package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func names(fs []Format) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

// TestRegistry lists the formats the registry holds: a new format adds its
// name here.
func TestRegistry(t *testing.T) {
	if got, want := names(InventoryFormats()), []string{"dot", "json", "markdown", "table", "yaml"}; !slices.Equal(got, want) {
		t.Errorf("inventory formats %v, want %v", got, want)
	}
	if got, want := names(ExplanationFormats()), []string{"text"}; !slices.Equal(got, want) {
		t.Errorf("explanation formats %v, want %v", got, want)
	}
	for _, f := range append(InventoryFormats(), ExplanationFormats()...) {
		if f.Description == "" || strings.ContainsAny(f.Description, "\n()") {
			t.Errorf("%s: want a one-line description without parentheses, got %q", f.Name, f.Description)
		}
		if !strings.Contains(Usage([]Format{f}), f.Name+" ("+f.Description+")") {
			t.Errorf("%s: usage %q", f.Name, Usage([]Format{f}))
		}
	}
}

func TestRenderTakesEveryNameAndAlias(t *testing.T) {
	ni := homelab(t)
	markdown := render(t, "markdown", ni)
	for _, alias := range []string{"md", ""} {
		if got := render(t, alias, ni); !bytes.Equal(got, markdown) {
			t.Errorf("%q renders other bytes than markdown", alias)
		}
	}
	for _, f := range InventoryFormats() {
		if len(render(t, f.Name, ni)) == 0 {
			t.Errorf("%s renders nothing", f.Name)
		}
	}
}

func TestFindNamesTheFormatsItKnows(t *testing.T) {
	_, err := Find(InventoryFormats(), "text")
	if err == nil || !strings.Contains(err.Error(), "dot, json, markdown, table, yaml") {
		t.Errorf("text does not render an inventory; the error lists the formats that do: %v", err)
	}
	if f, err := Find(ExplanationFormats(), "text"); err != nil || f.Explanation == nil {
		t.Errorf("text explains: %v", err)
	}
}

func TestRegisterRefusesADuplicateName(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a second format named md must panic")
		}
	}()
	register(Format{Name: "md", Description: "again"})
}
