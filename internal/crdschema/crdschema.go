// Package crdschema validates custom resources offline against their
// CustomResourceDefinition, with the code the API server runs on a create:
// the OpenAPI schema, list-type invariants and the x-kubernetes-validations
// CEL rules. Fields the schema does not know are reported too, as
// `kubectl apply --validate=strict` would refuse them (without it the API
// server silently drops them).
package crdschema

import (
	"context"
	"fmt"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"

	"netinventory.io/netinventory/config/crd/bases"
)

// Validator checks objects of one served version of a CRD.
type Validator struct {
	gvk        schema.GroupVersionKind
	structural *structuralschema.Structural
	schema     validation.SchemaValidator
	cel        *cel.Validator
}

// New builds the Validator of a version of the CRD in crdYAML (one
// apiextensions.k8s.io/v1 CustomResourceDefinition, YAML or JSON). An empty
// version picks the storage version.
func New(crdYAML []byte, version string) (*Validator, error) {
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(crdYAML, &crd); err != nil {
		return nil, fmt.Errorf("reading the CRD: %w", err)
	}
	var v1Schema *apiextensionsv1.JSONSchemaProps
	for _, ver := range crd.Spec.Versions {
		if (version == "" && ver.Storage) || ver.Name == version {
			version = ver.Name
			if ver.Schema != nil {
				v1Schema = ver.Schema.OpenAPIV3Schema
			}
			break
		}
	}
	if v1Schema == nil {
		return nil, fmt.Errorf("CRD %s has no schema for version %q", crd.Name, version)
	}
	internal := &apiextensions.JSONSchemaProps{}
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v1Schema, internal, nil); err != nil {
		return nil, fmt.Errorf("CRD %s: converting the schema: %w", crd.Name, err)
	}
	structural, err := structuralschema.NewStructural(internal)
	if err != nil {
		return nil, fmt.Errorf("CRD %s: the schema is not structural: %w", crd.Name, err)
	}
	schemaValidator, _, err := validation.NewSchemaValidator(internal)
	if err != nil {
		return nil, fmt.Errorf("CRD %s: %w", crd.Name, err)
	}
	return &Validator{
		gvk:        schema.GroupVersionKind{Group: crd.Spec.Group, Version: version, Kind: crd.Spec.Names.Kind},
		structural: structural,
		schema:     schemaValidator,
		// Rules that do not compile come out of Validate as errors, as
		// the API server reports them.
		cel: cel.NewValidator(structural, true, celconfig.PerCallLimit),
	}, nil
}

// NetworkInventory returns the Validator of the NetworkInventory CRD as
// generated into config/crd/bases, built once.
var NetworkInventory = sync.OnceValues(func() (*Validator, error) {
	return New(bases.NetworkInventories, "")
})

// GroupVersionKind is the kind and version the Validator checks.
func (v *Validator) GroupVersionKind() schema.GroupVersionKind { return v.gvk }

// Validate returns what is wrong with obj (an object as decoded from JSON,
// e.g. unstructured.Unstructured.Object), each error naming its field:
// type and object metadata, fields the schema does not know, schema
// violations, then, when the schema holds, the CEL rules. obj is not
// modified.
func (v *Validator) Validate(obj map[string]any) field.ErrorList {
	obj = runtime.DeepCopyJSON(obj)
	gv := v.gvk.GroupVersion().String()
	if kind, _ := obj["kind"].(string); kind != v.gvk.Kind {
		return field.ErrorList{field.Invalid(field.NewPath("kind"), kind, "must be "+v.gvk.Kind)}
	}
	if apiVersion, _ := obj["apiVersion"].(string); apiVersion != gv {
		return field.ErrorList{field.Invalid(field.NewPath("apiVersion"), apiVersion, "must be "+gv)}
	}
	meta, _, unknown, err := schemaobjectmeta.GetObjectMetaWithOptions(obj, schemaobjectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		return field.ErrorList{field.Invalid(field.NewPath("metadata"), nil, err.Error())}
	}
	var errs field.ErrorList
	if meta == nil {
		meta = &metav1.ObjectMeta{}
	}
	errs = append(errs, apivalidation.ValidateObjectMeta(meta, false, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))...)
	unknown = append(unknown, pruning.PruneWithOptions(obj, v.structural, true,
		structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
	for _, path := range unknown {
		errs = append(errs, &field.Error{Type: field.ErrorTypeForbidden, Field: path,
			Detail: "unknown field (the API server drops it, kubectl apply --validate=strict refuses it)"})
	}
	errs = append(errs, validation.ValidateCustomResource(nil, obj, v.schema)...)
	errs = append(errs, schemaobjectmeta.Validate(context.Background(), nil, obj, v.structural, false)...)
	errs = append(errs, listtype.ValidateListSetsAndMaps(nil, v.structural, obj)...)
	if blocking(errs) {
		// As the API server: the CEL rules assume the schema holds.
		return errs
	}
	celErrs, _ := v.cel.Validate(context.Background(), nil, v.structural, obj, nil, celconfig.RuntimeCELCostBudget)
	return append(errs, celErrs...)
}

// blocking says whether the API server would skip the CEL rules after errs
// (k8s.io/apiextensions-apiserver/pkg/registry/customresource.hasBlockingErr).
func blocking(errs field.ErrorList) bool {
	for _, err := range errs {
		switch err.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong,
			field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return true
		}
	}
	return false
}
