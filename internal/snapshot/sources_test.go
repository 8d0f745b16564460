package snapshot_test

import (
	"os"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"netinventory.io/netinventory/internal/fixture"
	"netinventory.io/netinventory/internal/snapshot"
)

// TestOptionalSourcesNameTheirCRDs: every optional source's resource,
// group and kind are those of the real CRD that serves it (read from the
// module cache), so its CRDName and watches find it.
func TestOptionalSourcesNameTheirCRDs(t *testing.T) {
	paths, err := fixture.CRDPaths("../..", fixture.GatewayAPI, fixture.EnvoyGateway, fixture.Cilium, fixture.ExternalDNS, fixture.Flux)
	if err != nil {
		t.Fatal(err)
	}
	crds := map[string]apiextensionsv1.CustomResourceDefinition{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(data, &crd); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		crds[crd.Name] = crd
	}
	for _, src := range snapshot.Sources {
		if !src.Optional {
			continue
		}
		crd, ok := crds[src.CRDName()]
		if !ok {
			t.Errorf("%s: no CRD named %s", src, src.CRDName())
			continue
		}
		if crd.Spec.Names.Plural != src.Resource || crd.Spec.Names.Kind != src.Kind || crd.Spec.Group != src.Group {
			t.Errorf("%s: the CRD serves %s %s.%s", src, crd.Spec.Names.Kind, crd.Spec.Names.Plural, crd.Spec.Group)
		}
	}
}
