package helmrender

import (
	"encoding/json"
	"fmt"
	"strings"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/strvals"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// chartValues merges the values of hr as helm-controller does: each
// spec.valuesFrom in order (a document merged in, or with targetPath one
// value set), then spec.values on top. Secrets are not read (in a repository
// they are SOPS-encrypted): a Secret reference is skipped, with a warning
// unless it is optional. A missing ConfigMap or key is a warning unless
// optional (helm-controller would fail; the rendering goes on without it).
// Values that do not parse are errors.
func chartValues(hr *helmv2.HelmRelease, idx objectIndex, warn func(string, ...any)) (map[string]any, error) {
	result := map[string]any{}
	for _, ref := range hr.Spec.ValuesFrom {
		where := fmt.Sprintf("valuesFrom %s %s/%s", ref.Kind, hr.Namespace, ref.Name)
		var data string
		switch ref.Kind {
		case "Secret":
			if !ref.Optional {
				warn("%s not read (Secrets are not read, in a repository they are encrypted): its values are missing", where)
			}
			continue
		case "ConfigMap":
			cm := idx.get("", "ConfigMap", hr.Namespace, ref.Name)
			if cm == nil {
				if !ref.Optional {
					warn("%s not found: its values are missing", where)
				}
				continue
			}
			s, found, err := unstructured.NestedString(cm.Object, "data", ref.GetValuesKey())
			if err != nil || !found {
				if !ref.Optional {
					warn("%s has no key %q: its values are missing", where, ref.GetValuesKey())
				}
				continue
			}
			data = s
		default:
			return nil, fmt.Errorf("%s: unsupported kind %q (ConfigMap or Secret)", where, ref.Kind)
		}
		if len(data) > MaxValuesSize {
			return nil, fmt.Errorf("%s key %q: %d bytes of values, more than %d", where, ref.GetValuesKey(), len(data), MaxValuesSize)
		}
		if ref.TargetPath != "" {
			if err := setPathValue(result, ref.TargetPath, data); err != nil {
				return nil, fmt.Errorf("%s key %q: targetPath %q: %w", where, ref.GetValuesKey(), ref.TargetPath, err)
			}
			continue
		}
		values, err := chartutil.ReadValues([]byte(data))
		if err != nil {
			return nil, fmt.Errorf("%s key %q: invalid values YAML: %w", where, ref.GetValuesKey(), err)
		}
		result = mergeValues(result, values)
	}
	if hr.Spec.Values != nil && len(hr.Spec.Values.Raw) > 0 {
		if len(hr.Spec.Values.Raw) > MaxValuesSize {
			return nil, fmt.Errorf("spec.values: %d bytes of values, more than %d", len(hr.Spec.Values.Raw), MaxValuesSize)
		}
		var values map[string]any
		if err := json.Unmarshal(hr.Spec.Values.Raw, &values); err != nil {
			return nil, fmt.Errorf("spec.values is not a map of values: %w", err)
		}
		result = mergeValues(result, values)
	}
	return result, nil
}

// mergeValues merges b into a (neither is modified): a map in b is merged
// into a map at the same key of a, anything else in b replaces what a has.
func mergeValues(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeValues(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// setPathValue sets the value at a dotted path (Helm's --set syntax, e.g.
// a.b[0].c) as helm-controller does for a valuesFrom targetPath: a value in
// single or double quotes is set as a string without the quotes around it,
// anything else is typed as `helm --set` types it.
func setPathValue(values map[string]any, path, value string) error {
	for _, q := range []string{`'`, `"`} {
		if strings.HasPrefix(value, q) && strings.HasSuffix(value, q) {
			return strvals.ParseIntoString(path+"="+strings.Trim(value, `'"`), values)
		}
	}
	return strvals.ParseInto(path+"="+value, values)
}
