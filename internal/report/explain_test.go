package report

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"netinventory.io/netinventory/internal/inventory"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/snapshot"
)

func homelabModel(t *testing.T) *model.Model {
	t.Helper()
	l := &snapshot.Loader{Strict: true}
	l.AddPath(filepath.Join("..", "..", "test", "fixtures", "homelab"))
	snap, err := l.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	res, err := inventory.Compute(snap, &l.Inventories[0].Spec, now)
	if err != nil {
		t.Fatal(err)
	}
	return res.Model
}

func TestExplainText(t *testing.T) {
	md := homelabModel(t)
	for subject, want := range map[string]string{
		"llms.matherly.net": "Authentication Optional: JWT from SecurityPolicy network/jwt-auth attached at the Route level",
		"echo.matherly.net": "Authentication None: no SecurityPolicy applies",
		"monitoring":        "Namespace monitoring: None, priority Critical",
	} {
		var b bytes.Buffer
		if err := Explain(&b, "text", md, subject); err != nil || !strings.Contains(b.String(), want) {
			t.Errorf("%s: %v, explanation lacks %q:\n%s", subject, err, want, b.String())
		}
	}
	err := Explain(&bytes.Buffer{}, "text", md, "nothing.example.org")
	if !errors.Is(err, ErrUnknownSubject) || !strings.HasPrefix(err.Error(), "nothing.example.org: ") {
		t.Errorf("an unknown subject: %v, want ErrUnknownSubject naming it", err)
	}
	if err := Explain(&bytes.Buffer{}, "markdown", md, "monitoring"); err == nil {
		t.Error("markdown renders inventories, it does not explain")
	}
}
