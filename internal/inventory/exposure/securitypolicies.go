package exposure

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
	"netinventory.io/netinventory/internal/inventory/scope"
)

// securityPolicyEntries describes the SecurityPolicies in scope, with the
// routes each protects and the endpoints where another replaces it, as the
// endpoints' authentication used them.
func securityPolicyEntries(sc *scope.Scope, idx *policyIndex, uses []policyUse) []model.SecurityPolicy {
	protects := map[*egv1a1.SecurityPolicy]map[v1alpha1.ObjectRef]bool{}
	overridden := map[*egv1a1.SecurityPolicy]map[model.EndpointRef]bool{}
	for _, u := range uses {
		if u.overridden {
			if overridden[u.policy] == nil {
				overridden[u.policy] = map[model.EndpointRef]bool{}
			}
			overridden[u.policy][u.at] = true
			continue
		}
		if protects[u.policy] == nil {
			protects[u.policy] = map[v1alpha1.ObjectRef]bool{}
		}
		protects[u.policy][u.at.Route] = true
	}
	var out []model.SecurityPolicy
	for _, sp := range scope.Of(sc, sc.Snap.SecurityPolicies) {
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
		for ref := range protects[sp] {
			e.Protects = append(e.Protects, ref.Kind+"/"+ref.Namespace+"/"+ref.Name)
		}
		slices.Sort(e.Protects)
		p := model.SecurityPolicy{SecurityPolicyEntry: e, TargetsFound: idx.targetsFound[sp]}
		for at := range overridden[sp] {
			p.OverriddenFor = append(p.OverriddenFor, at)
		}
		slices.SortFunc(p.OverriddenFor, func(a, b model.EndpointRef) int { return cmp.Compare(a.String(), b.String()) })
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

// policyReferences returns the references SecurityPolicies in scope make:
// to OIDC provider, remote JWKS and external authorization backends, and to
// the Secrets of OIDC, basic and API key authentication.
func policyReferences(sc *scope.Scope, res *resolver) []model.Reference {
	var out []model.Reference
	for _, sp := range scope.Of(sc, sc.Snap.SecurityPolicies) {
		from := v1alpha1.ObjectRef{Kind: "SecurityPolicy", Namespace: sp.Namespace, Name: sp.Name}
		backend := func(b gwv1.BackendObjectReference) {
			out = append(out, res.resolve(from, egv1a1.GroupName, objectRefOf(b.Kind, b.Namespace, b.Name, sp.Namespace, scope.KindService), groupOf(b.Group)))
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
			out = append(out, res.resolve(from, egv1a1.GroupName, objectRefOf(s.Kind, s.Namespace, s.Name, sp.Namespace, "Secret"), groupOf(s.Group)))
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
	return out
}

// gatewayReferences returns the references Gateways in scope make to their
// certificate Secrets.
func gatewayReferences(sc *scope.Scope, res *resolver) []model.Reference {
	var out []model.Reference
	for _, gw := range scope.Of(sc, sc.Snap.Gateways) {
		from := v1alpha1.ObjectRef{Kind: scope.KindGateway, Namespace: gw.Namespace, Name: gw.Name}
		for _, l := range gw.Spec.Listeners {
			if l.TLS == nil {
				continue
			}
			for _, c := range l.TLS.CertificateRefs {
				out = append(out, res.resolve(from, gwv1.GroupName, objectRefOf(c.Kind, c.Namespace, c.Name, gw.Namespace, "Secret"), groupOf(c.Group)))
			}
		}
	}
	return out
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
