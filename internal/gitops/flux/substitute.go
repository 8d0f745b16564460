package flux

import (
	"encoding/base64"
	"fmt"
	"strings"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/envsubst"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// substituteDisabled is the label or annotation value that turns post-build
// substitution off for one object, as in kustomize-controller.
const (
	substituteKey      = "kustomize.toolkit.fluxcd.io/substitute"
	substituteDisabled = "disabled"
)

// varSet are the values of a Kustomization's post-build variables.
type varSet struct {
	values map[string]string
	// keepUnknown is set when some values could not be read (a Secret, a
	// ConfigMap not in the repository): a variable without a value is then
	// left as written rather than emptied as Flux would, since the cluster
	// may well have its value.
	keepUnknown bool
}

// waitsForConfig says whether k substitutes from a ConfigMap not built
// yet (it may come from a Kustomization still to build).
func (b *builder) waitsForConfig(k Kustomization) bool {
	ks, err := typed(k.Object)
	if err != nil || ks.Spec.PostBuild == nil {
		return false
	}
	for _, ref := range ks.Spec.PostBuild.SubstituteFrom {
		key := ks.Namespace + "/" + ref.Name
		switch ref.Kind {
		case "ConfigMap":
			if _, ok := b.configs[key]; !ok {
				return true
			}
		case "Secret":
			if _, ok := b.secrets[key]; !ok {
				return true
			}
		}
	}
	return false
}

// variables gathers a Kustomization's post-build variables as
// kustomize-controller does: substituteFrom in order (later ones win),
// then postBuild.substitute; the user's --set values fill what is left.
// It returns the caveats met.
func (b *builder) variables(ks *kustomizev1.Kustomization) (varSet, []string) {
	set := varSet{values: map[string]string{}}
	if ks.Spec.PostBuild == nil {
		return set, nil
	}
	var caveats []string
	for _, ref := range ks.Spec.PostBuild.SubstituteFrom {
		key := ks.Namespace + "/" + ref.Name
		var data map[string]string
		var found bool
		switch ref.Kind {
		case "ConfigMap":
			data, found = b.configs[key]
		case "Secret":
			data, found = b.secrets[key]
			if found && data == nil {
				set.keepUnknown = true
				caveats = append(caveats, fmt.Sprintf("substituteFrom Secret %s is encrypted: its variables are left as written", key))
				continue
			}
		default:
			caveats = append(caveats, fmt.Sprintf("substituteFrom kind %q is not ConfigMap or Secret: ignored", ref.Kind))
			continue
		}
		if !found {
			if !ref.Optional {
				set.keepUnknown = true
				caveats = append(caveats, fmt.Sprintf("substituteFrom %s %s is not in the repository: its variables are left as written", ref.Kind, key))
			}
			continue
		}
		for k, v := range data {
			set.values[k] = strings.ReplaceAll(v, "\n", "")
		}
	}
	for k, v := range ks.Spec.PostBuild.Substitute {
		set.values[k] = strings.ReplaceAll(v, "\n", "")
	}
	for k, v := range b.opts.Vars {
		if _, ok := set.values[k]; !ok {
			set.values[k] = v
		}
	}
	return set, caveats
}

// substitute replaces the ${VAR} expressions of one object as Flux's
// post-build substitution does (the same envsubst library), unless the
// object turns it off. It returns the variables left without a value.
func substitute(u *unstructured.Unstructured, vars varSet, always bool) (*unstructured.Unstructured, []string, error) {
	if u.GetLabels()[substituteKey] == substituteDisabled || u.GetAnnotations()[substituteKey] == substituteDisabled {
		return u, nil, nil
	}
	if len(vars.values) == 0 && !always && !vars.keepUnknown {
		return u, nil, nil
	}
	data, err := yaml.Marshal(u.Object)
	if err != nil {
		return nil, nil, err
	}
	var unknown []string
	out, err := envsubst.Eval(string(data), func(name string) (string, bool) {
		if v, ok := vars.values[name]; ok {
			return v, true
		}
		if vars.keepUnknown {
			unknown = append(unknown, name)
			return "${" + name + "}", true
		}
		return "", true // Flux's non-strict substitution empties it
	})
	if err != nil {
		return nil, nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal([]byte(out), &m); err != nil {
		return nil, nil, fmt.Errorf("the substituted object is not YAML: %w", err)
	}
	return &unstructured.Unstructured{Object: m}, unknown, nil
}

// secretData returns a Secret's values, or nil when it is encrypted (SOPS)
// and cannot be read.
func secretData(u *unstructured.Unstructured) map[string]string {
	if _, encrypted := u.Object["sops"]; encrypted {
		return nil
	}
	out := map[string]string{}
	data, _, _ := unstructured.NestedStringMap(u.Object, "data")
	for k, v := range data {
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil
		}
		out[k] = string(raw)
	}
	str, _, _ := unstructured.NestedStringMap(u.Object, "stringData")
	for k, v := range str {
		out[k] = v
	}
	return out
}
