package inventory

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"

	egv1a1 "github.com/envoyproxy/gateway/api/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
)

// securityPolicies describes the SecurityPolicies in scope; call after the
// endpoints are computed, so that what each protects is known.
func (m *engine) securityPolicies() []model.SecurityPolicy {
	var out []model.SecurityPolicy
	for i := range m.snap.SecurityPolicies {
		sp := &m.snap.SecurityPolicies[i]
		if !m.inNamespaceScope(sp.Namespace) {
			continue
		}
		e := v1alpha1.SecurityPolicyEntry{Namespace: sp.Namespace, Name: sp.Name, Targets: policyTargetStrings(sp)}
		e.Methods, _ = methodsOf(&sp.Spec)
		if jwt := sp.Spec.JWT; jwt != nil {
			e.JWTOptional = isTrue(jwt.Optional) || isTrue(jwt.FailOpen)
			for _, p := range jwt.Providers {
				jp := v1alpha1.JWTProviderEntry{Name: p.Name, Issuer: p.Issuer}
				if p.RemoteJWKS != nil {
					jp.JWKSURI = p.RemoteJWKS.URI
				}
				for _, c := range p.ClaimToHeaders {
					jp.ClaimToHeaders = append(jp.ClaimToHeaders, v1alpha1.ClaimToHeader{Claim: c.Claim, Header: c.Header})
				}
				e.JWTProviders = append(e.JWTProviders, jp)
			}
		}
		if o := sp.Spec.OIDC; o != nil {
			e.OIDC = oidcEntry(o)
		}
		e.Accepted = policyAccepted(sp)
		e.Overridden = policyOverridden(sp)
		if sp.Spec.MergeType != nil {
			e.MergeType = string(*sp.Spec.MergeType)
		}
		for ref := range m.policies.protects[sp] {
			e.Protects = append(e.Protects, ref.Kind+"/"+ref.Namespace+"/"+ref.Name)
		}
		slices.Sort(e.Protects)
		p := model.SecurityPolicy{SecurityPolicyEntry: e, TargetsFound: m.policies.targetsFound[sp]}
		for ep := range m.policies.overridden[sp] {
			p.OverriddenFor = append(p.OverriddenFor, ep)
		}
		slices.Sort(p.OverriddenFor)
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b model.SecurityPolicy) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

func oidcEntry(o *egv1a1.OIDC) *v1alpha1.OIDCEntry {
	e := &v1alpha1.OIDCEntry{Issuer: o.Provider.Issuer, Scopes: o.Scopes}
	if o.ClientID != nil {
		e.ClientID = *o.ClientID
	}
	if o.Provider.AuthorizationEndpoint != nil {
		e.AuthorizationEndpoint = *o.Provider.AuthorizationEndpoint
	}
	if o.Provider.TokenEndpoint != nil {
		e.TokenEndpoint = *o.Provider.TokenEndpoint
	}
	if o.CookieDomain != nil {
		e.CookieDomain = *o.CookieDomain
	}
	e.SplitPath = splitPath(e.AuthorizationEndpoint, e.TokenEndpoint)
	return e
}

// splitPath reports whether the browser-facing authorization endpoint and
// the gateway-facing token endpoint are on different hosts, the token one
// in-cluster (a .svc or .cluster.local name, or a bare service name).
func splitPath(authz, token string) bool {
	a, errA := url.Parse(authz)
	t, errT := url.Parse(token)
	if authz == "" || token == "" || errA != nil || errT != nil || a.Hostname() == t.Hostname() {
		return false
	}
	h := t.Hostname()
	return strings.HasSuffix(h, ".svc") || strings.Contains(h, ".svc.") || strings.HasSuffix(h, ".cluster.local") || !strings.Contains(h, ".")
}

// policyTargetStrings renders a policy's targets as written.
func policyTargetStrings(sp *egv1a1.SecurityPolicy) []string {
	var out []string
	for _, ref := range sp.Spec.GetTargetRefs() {
		s := string(ref.Kind) + "/" + string(ref.Name)
		if ref.SectionName != nil {
			s += "#" + string(*ref.SectionName)
		}
		out = append(out, s)
	}
	for _, sel := range sp.Spec.TargetSelectors {
		ls := &metav1.LabelSelector{MatchLabels: sel.MatchLabels, MatchExpressions: sel.MatchExpressions}
		s, err := metav1.LabelSelectorAsSelector(ls)
		text := "invalid selector"
		if err == nil {
			text = s.String()
		}
		target := fmt.Sprintf("%s{%s}", sel.Kind, text)
		if sel.Namespaces != nil && sel.Namespaces.From != egv1a1.TargetNamespaceFromSame {
			target += " in " + string(sel.Namespaces.From) + " namespaces"
		}
		out = append(out, target)
	}
	return out
}

// policyAccepted summarises a policy's Accepted condition over its
// ancestors: False if any rejects it, True if all accept, else Unknown.
func policyAccepted(sp *egv1a1.SecurityPolicy) string {
	status := ""
	for _, a := range sp.Status.Ancestors {
		for _, c := range a.Conditions {
			if c.Type != string(gwv1.PolicyConditionAccepted) {
				continue
			}
			if c.Status == metav1.ConditionFalse {
				return string(metav1.ConditionFalse)
			}
			status = string(c.Status)
		}
	}
	if status == "" {
		return string(metav1.ConditionUnknown)
	}
	return status
}

// policyOverridden is "True" when the controller reports the policy
// overridden for some ancestor.
func policyOverridden(sp *egv1a1.SecurityPolicy) string {
	for _, a := range sp.Status.Ancestors {
		for _, c := range a.Conditions {
			if c.Type == string(egv1a1.PolicyConditionOverridden) && c.Status == metav1.ConditionTrue {
				return string(metav1.ConditionTrue)
			}
		}
	}
	return ""
}

// recordPolicyReferences records the objects SecurityPolicies refer to:
// OIDC provider, remote JWKS and external authorization backends, and the
// Secrets of OIDC, basic and API key authentication.
func (m *engine) recordPolicyReferences() {
	for i := range m.snap.SecurityPolicies {
		sp := &m.snap.SecurityPolicies[i]
		if !m.inNamespaceScope(sp.Namespace) {
			continue
		}
		from := v1alpha1.ObjectRef{Kind: "SecurityPolicy", Namespace: sp.Namespace, Name: sp.Name}
		backend := func(b gwv1.BackendObjectReference) {
			m.refs.add(from, egv1a1.GroupName, objectRefOf(b.Kind, b.Namespace, b.Name, sp.Namespace, kindService), groupOf(b.Group))
		}
		cluster := func(c egv1a1.BackendCluster) {
			if c.BackendRef != nil {
				backend(*c.BackendRef)
			}
			for _, b := range c.BackendRefs {
				backend(b.BackendObjectReference)
			}
		}
		secret := func(s gwv1.SecretObjectReference) {
			m.refs.add(from, egv1a1.GroupName, objectRefOf(s.Kind, s.Namespace, s.Name, sp.Namespace, "Secret"), groupOf(s.Group))
		}
		spec := &sp.Spec
		if spec.OIDC != nil {
			cluster(spec.OIDC.Provider.BackendCluster)
			secret(spec.OIDC.ClientSecret)
		}
		if spec.JWT != nil {
			for _, p := range spec.JWT.Providers {
				if p.RemoteJWKS != nil {
					cluster(p.RemoteJWKS.BackendCluster)
				}
			}
		}
		if spec.ExtAuth != nil {
			if spec.ExtAuth.GRPC != nil {
				cluster(spec.ExtAuth.GRPC.BackendCluster)
			}
			if spec.ExtAuth.HTTP != nil {
				cluster(spec.ExtAuth.HTTP.BackendCluster)
			}
		}
		if spec.BasicAuth != nil {
			secret(spec.BasicAuth.Users)
		}
		if spec.APIKeyAuth != nil {
			for _, s := range spec.APIKeyAuth.CredentialRefs {
				secret(s)
			}
		}
	}
}

// recordGatewayReferences records the certificate Secrets Gateways refer to.
func (m *engine) recordGatewayReferences() {
	for i := range m.snap.Gateways {
		gw := &m.snap.Gateways[i]
		if !m.inNamespaceScope(gw.Namespace) {
			continue
		}
		from := v1alpha1.ObjectRef{Kind: kindGateway, Namespace: gw.Namespace, Name: gw.Name}
		for _, l := range gw.Spec.Listeners {
			if l.TLS == nil {
				continue
			}
			for _, c := range l.TLS.CertificateRefs {
				m.refs.add(from, gwv1.GroupName, objectRefOf(c.Kind, c.Namespace, c.Name, gw.Namespace, "Secret"), groupOf(c.Group))
			}
		}
	}
}

func groupOf(g *gwv1.Group) string {
	if g == nil {
		return ""
	}
	return string(*g)
}

func objectRefOf(kind *gwv1.Kind, ns *gwv1.Namespace, name gwv1.ObjectName, defaultNS, defaultKind string) v1alpha1.ObjectRef {
	ref := v1alpha1.ObjectRef{Kind: defaultKind, Namespace: defaultNS, Name: string(name)}
	if kind != nil {
		ref.Kind = string(*kind)
	}
	if ns != nil {
		ref.Namespace = string(*ns)
	}
	return ref
}
