package crdschema

import (
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func object(t *testing.T, text string) map[string]any {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(text), &obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

const header = "apiVersion: netinventory.io/v1alpha1\nkind: NetworkInventory\nmetadata: {name: cluster}\n"

func TestNetworkInventory(t *testing.T) {
	v, err := NetworkInventory()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, text string
		want       []string // each error's text, in order; none: valid
	}{
		{"valid", header + `spec:
  exposure:
    rules:
    - {exposure: Public, gateways: [{namespace: network, name: envoy-external}]}
    - {exposure: Internal, selector: {matchLabels: {netinventory.io/exposure: internal}}}
    default: Internal
  priorities:
    namespaces: [{priority: Critical, names: [monitoring]}]
`, nil},
		{"empty spec", header + "spec: {}\n", nil},
		{"enum", header + "spec: {exposure: {default: Publik}}\n",
			[]string{`spec.exposure.default: Unsupported value: "Publik": supported values: "Public", "Internal"`}},
		{"CEL rule", header + "spec: {exposure: {rules: [{exposure: Public}]}}\n",
			[]string{"spec.exposure.rules[0]: Invalid value: a rule names gateways or services, or has a selector"}},
		{"resyncPeriod rule", header + "spec: {resyncPeriod: 1s}\n",
			[]string{`spec.resyncPeriod: Invalid value: "1s": resyncPeriod must be a duration from 30s to 24h`}},
		{"unknown fields", header + "spec: {exposure: {defualt: Public}, extra: 1}\n",
			[]string{"spec.exposure.defualt: Forbidden: unknown field", "spec.extra: Forbidden: unknown field"}},
		{"unknown metadata field", "apiVersion: netinventory.io/v1alpha1\nkind: NetworkInventory\nmetadata: {name: c, labelz: {}}\nspec: {}\n",
			[]string{"metadata.labelz: Forbidden: unknown field"}},
		{"no name", "apiVersion: netinventory.io/v1alpha1\nkind: NetworkInventory\nmetadata: {}\nspec: {}\n",
			[]string{"metadata.name: Required value"}},
		{"wrong version", "apiVersion: netinventory.io/v9\nkind: NetworkInventory\nmetadata: {name: c}\n",
			[]string{`apiVersion: Invalid value: "netinventory.io/v9": must be netinventory.io/v1alpha1`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			obj := object(t, tt.text)
			errs := v.Validate(obj)
			if len(errs) != len(tt.want) {
				t.Fatalf("want %d errors, got %v", len(tt.want), errs)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(errs[i].Error(), w) {
					t.Errorf("error %d: got %q, want it to start with %q", i, errs[i].Error(), w)
				}
			}
			if !reflect.DeepEqual(obj, object(t, tt.text)) {
				t.Error("Validate modified the object")
			}
		})
	}
}

// TestRulesComeFromTheCRD proves that the validator enforces whatever rules
// the CRD holds, so rules added to the API are picked up by regenerating
// the CRD alone.
func TestRulesComeFromTheCRD(t *testing.T) {
	crd := `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Cluster
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              resyncPeriod: {type: string}
            x-kubernetes-validations:
            - rule: "!has(self.resyncPeriod) || duration(self.resyncPeriod) >= duration('1m')"
              message: resyncPeriod must be at least 1m
`
	v, err := New([]byte(crd), "")
	if err != nil {
		t.Fatal(err)
	}
	bad := object(t, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {resyncPeriod: 10s}\n")
	if errs := v.Validate(bad); len(errs) != 1 || !strings.Contains(errs[0].Error(), "resyncPeriod must be at least 1m") {
		t.Errorf("the CRD's rule is enforced: %v", errs)
	}
	good := object(t, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {resyncPeriod: 5m}\n")
	if errs := v.Validate(good); len(errs) != 0 {
		t.Errorf("a valid object: %v", errs)
	}
	if _, err := New([]byte("kind: [broken"), ""); err == nil {
		t.Error("a broken CRD is an error")
	}
	if _, err := New([]byte(crd), "v2"); err == nil || !strings.Contains(err.Error(), `version "v2"`) {
		t.Errorf("an unknown version is an error naming it: %v", err)
	}
}
