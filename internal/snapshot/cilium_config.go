package snapshot

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// PolicyEnforcement is Cilium's policy enforcement mode, the enable-policy
// key of the cilium-config ConfigMap.
type PolicyEnforcement string

// Policy enforcement modes.
const (
	// EnforcementDefault: an endpoint is in default deny in a direction
	// only when a policy that selects it says so.
	EnforcementDefault PolicyEnforcement = "default"
	// EnforcementAlways: every endpoint is in default deny both ways,
	// selected by a policy or not.
	EnforcementAlways PolicyEnforcement = "always"
	// EnforcementNever: no policy is enforced on any endpoint, Cilium's
	// own or Kubernetes NetworkPolicies.
	EnforcementNever PolicyEnforcement = "never"
)

// ObjectState says whether a single object the inventory reads could be
// read, and what was read from it.
type ObjectState struct {
	// Kind, Namespace and Name name the object.
	Kind, Namespace, Name string
	// Available is true when the object was read.
	Available bool
	// Message says what was read, or why it could not be.
	Message string
}

// CiliumConfigName is the ConfigMap Cilium reads its settings from.
const CiliumConfigName = "cilium-config"

// ParseEnforcement reads an enable-policy value; empty reads as default.
func ParseEnforcement(value string) (PolicyEnforcement, error) {
	switch m := PolicyEnforcement(strings.ToLower(strings.TrimSpace(value))); m {
	case "", EnforcementDefault:
		return EnforcementDefault, nil
	case EnforcementAlways, EnforcementNever:
		return m, nil
	default:
		return "", fmt.Errorf("enable-policy %q: want default, always or never", value)
	}
}

// readCiliumConfig takes the enforcement mode from a cilium-config
// ConfigMap among the manifests; it reports whether the object was one.
func readCiliumConfig(s *Snapshot, u *unstructured.Unstructured) (bool, error) {
	if u.GroupVersionKind().GroupKind() != corev1.SchemeGroupVersion.WithKind("ConfigMap").GroupKind() || u.GetName() != CiliumConfigName {
		return false, nil
	}
	var cm corev1.ConfigMap
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &cm); err != nil {
		return true, err
	}
	if _, err := ApplyCiliumConfig(s, cm.Data); err != nil {
		return true, fmt.Errorf("ConfigMap %s/%s: %w", u.GetNamespace(), CiliumConfigName, err)
	}
	return true, nil
}

// ApplyCiliumConfig takes from cilium-config's data the settings that
// change how policies are enforced: enable-policy, and
// enable-non-default-deny-policies (when false, Cilium ignores
// enableDefaultDeny: false and every rule puts its pods in default deny).
// It returns what it read, in words; on an error the Snapshot is unchanged.
func ApplyCiliumConfig(s *Snapshot, data map[string]string) (string, error) {
	mode, err := ParseEnforcement(data["enable-policy"])
	if err != nil {
		return "", err
	}
	nonDefaultDeny := true
	if v, ok := data[nonDefaultDenyKey]; ok && strings.TrimSpace(v) != "" {
		if nonDefaultDeny, err = strconv.ParseBool(strings.TrimSpace(v)); err != nil {
			return "", fmt.Errorf("%s %q: want true or false", nonDefaultDenyKey, v)
		}
	}
	s.CiliumPolicyEnforcement = mode
	s.CiliumIgnoresDefaultDenyFalse = !nonDefaultDeny
	return fmt.Sprintf("enable-policy: %s, %s: %v", mode, nonDefaultDenyKey, nonDefaultDeny), nil
}

// nonDefaultDenyKey is the cilium-config key that lets rules opt out of
// default deny (enableDefaultDeny: false); true unless set.
const nonDefaultDenyKey = "enable-non-default-deny-policies"
