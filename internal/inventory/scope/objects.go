package scope

import (
	"cmp"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
)

// Annotations read from source objects.
const (
	// AnnotationPurpose says what an object is for.
	AnnotationPurpose = "netinventory.io/purpose"
	// AnnotationExposure classifies a Gateway or Service: public|internal.
	AnnotationExposure = "netinventory.io/exposure"
	// AnnotationAuthentication declares authentication the cluster cannot
	// see on a route or Service, e.g. native or hmac.
	AnnotationAuthentication = "netinventory.io/authentication"
)

// Kinds the phases name.
const (
	KindGateway = "Gateway"
	KindService = "Service"
)

// PurposeOf returns an object's declared purpose.
func PurposeOf(obj metav1.Object) string {
	a := obj.GetAnnotations()
	for _, key := range []string{AnnotationPurpose, "kubernetes.io/description", "description"} {
		if v := strings.TrimSpace(a[key]); v != "" {
			return v
		}
	}
	return ""
}

// StatusIsStale reports whether conditions were written for an older
// generation than the object's: its controller has not caught up.
func StatusIsStale(conds []metav1.Condition, generation int64) bool {
	for _, c := range conds {
		if c.ObservedGeneration != 0 && generation != 0 && c.ObservedGeneration < generation {
			return true
		}
	}
	return false
}

// CompareRefs orders object references by namespace, kind and name.
func CompareRefs(a, b v1alpha1.ObjectRef) int {
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
}

// CompareNamed orders objects by namespace and name.
func CompareNamed(a, b metav1.Object) int {
	return cmp.Or(cmp.Compare(a.GetNamespace(), b.GetNamespace()), cmp.Compare(a.GetName(), b.GetName()))
}

// JoinDistinct appends b to the comma-separated list a unless present.
func JoinDistinct(a, b string) string {
	if b == "" || slices.Contains(strings.Split(a, ", "), b) {
		return a
	}
	if a == "" {
		return b
	}
	return a + ", " + b
}

// Named joins the first n names and says how many more there are.
func Named(names []string, n int) string {
	return model.NameFirst(names, len(names), n)
}
