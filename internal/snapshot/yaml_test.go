package snapshot

import (
	"errors"
	"strings"
	"testing"
)

func load(t *testing.T, strict bool, text string) (*Snapshot, error) {
	t.Helper()
	l := &Loader{Strict: strict}
	l.AddReader("test.yaml", strings.NewReader(text))
	return l.Snapshot()
}

func TestLoadMultiDocumentAndLists(t *testing.T) {
	s, err := load(t, true, `
# leading comment
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: s, namespace: a}
  spec: {ports: [{port: 80}]}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: np, namespace: a}
  spec: {podSelector: {}}
---
apiVersion: v1
kind: PodList
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: p}
  spec: {containers: [{name: c, image: i}]}
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Namespaces) != 1 || len(s.Services) != 1 || len(s.NetworkPolicies) != 1 || len(s.Pods) != 1 {
		t.Fatalf("got %d namespaces, %d services, %d policies, %d pods", len(s.Namespaces), len(s.Services), len(s.NetworkPolicies), len(s.Pods))
	}
	if s.Pods[0].Namespace != "default" {
		t.Errorf("a namespaced object without namespace goes to default, got %q", s.Pods[0].Namespace)
	}
	if len(s.Missing()) != 0 {
		t.Errorf("manifests have every source kind available, missing %v", s.Missing())
	}
}

func TestLoadConvertsOlderGatewayAPIVersions(t *testing.T) {
	s, err := load(t, true, `
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: b}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: a}]
  to: [{group: "", kind: Service}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: t, namespace: a}
spec:
  hostnames: [x.example.com]
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: svc, port: 443}]}]
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.ReferenceGrants) != 1 || s.ReferenceGrants[0].Spec.From[0].Namespace != "a" {
		t.Fatalf("v1beta1 ReferenceGrant not converted: %+v", s.ReferenceGrants)
	}
	if len(s.TLSRoutes) != 1 || string(s.TLSRoutes[0].Spec.Hostnames[0]) != "x.example.com" ||
		s.TLSRoutes[0].Spec.Rules[0].BackendRefs[0].Name != "svc" {
		t.Fatalf("v1alpha2 TLSRoute not converted: %+v", s.TLSRoutes)
	}
}

func TestLoadErrorsNameFileDocumentAndLine(t *testing.T) {
	s, err := load(t, true, `apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: a}
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: a
---
apiVersion: v1
kind: Service
metadata: {name: ok, namespace: a}
`)
	var docErrs []*DocumentError
	for _, e := range unjoin(err) {
		var de *DocumentError
		if !errors.As(e, &de) {
			t.Fatalf("error without position: %v", e)
		}
		docErrs = append(docErrs, de)
	}
	if len(docErrs) != 2 {
		t.Fatalf("want 2 document errors, got %v", err)
	}
	if d := docErrs[0]; d.File != "test.yaml" || d.Document != 2 || d.Line != 5 || !errors.Is(d, ErrUnknownKind) {
		t.Errorf("unknown kind: got %+v", d)
	}
	if d := docErrs[1]; d.Document != 3 || d.Line != 9 {
		t.Errorf("malformed document: got %+v", d)
	}
	if len(s.Namespaces) != 1 || len(s.Services) != 1 || s.Services[0].Name != "ok" {
		t.Errorf("the readable documents are kept: %d namespaces, services %+v", len(s.Namespaces), s.Services)
	}
}

func TestLoadLenientSkipsOtherKinds(t *testing.T) {
	_, err := load(t, false, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
	if err != nil {
		t.Fatalf("a kind the inventory does not read is skipped when not strict: %v", err)
	}
}

func TestLoadRejectsUnknownFieldsWhenStrict(t *testing.T) {
	_, err := load(t, true, "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {portz: []}\n")
	if err == nil || !strings.Contains(err.Error(), "portz") {
		t.Fatalf("want an unknown field error naming portz, got %v", err)
	}
}

func TestLoadCollectsInventories(t *testing.T) {
	l := &Loader{Strict: true}
	l.AddReader("i.yaml", strings.NewReader(`apiVersion: netinventory.io/v1alpha1
kind: NetworkInventory
metadata: {name: cluster}
spec: {exposure: {default: Internal}}
`))
	if _, err := l.Snapshot(); err != nil {
		t.Fatal(err)
	}
	if len(l.Inventories) != 1 || l.Inventories[0].Spec.Exposure.Default != "Internal" {
		t.Fatalf("inventories: %+v", l.Inventories)
	}
}

func TestResourceNames(t *testing.T) {
	want := map[string]string{
		"Gateway": "gateways", "SecurityPolicy": "securitypolicies",
		"CiliumClusterwideNetworkPolicy": "ciliumclusterwidenetworkpolicies", "ReferenceGrant": "referencegrants",
	}
	for kind, res := range want {
		if got := resourceOf(kind); got != res {
			t.Errorf("resourceOf(%s) = %s, want %s", kind, got, res)
		}
	}
}

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
