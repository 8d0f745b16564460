package helmrender

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// objectKey finds an object of the build: any version of a group and kind.
type objectKey struct {
	group, kind, namespace, name string
}

// objectIndex finds the objects of the build by group, kind, namespace and
// name. The last object of a key wins, as it would when applied.
type objectIndex map[objectKey]*unstructured.Unstructured

func newObjectIndex(objects []*unstructured.Unstructured) objectIndex {
	idx := make(objectIndex, len(objects))
	for _, o := range objects {
		if o == nil {
			continue
		}
		gvk := o.GroupVersionKind()
		idx[objectKey{gvk.Group, gvk.Kind, namespaceOf(o), o.GetName()}] = o
	}
	return idx
}

func (idx objectIndex) get(group, kind, namespace, name string) *unstructured.Unstructured {
	return idx[objectKey{group, kind, namespace, name}]
}
