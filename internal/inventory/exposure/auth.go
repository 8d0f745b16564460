package exposure

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	egv1a1 "github.com/envoyproxy/gateway/api/v1alpha1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/inventory/scope"
)

// Levels a SecurityPolicy attaches at, most specific first.
const (
	LevelRouteRule = "RouteRule"
	LevelRoute     = "Route"
	LevelListener  = "Listener"
	LevelGateway   = "Gateway"
)

// Authentication methods.
const (
	MethodJWT           = "JWT"
	MethodOIDC          = "OIDC"
	MethodBasicAuth     = "BasicAuth"
	MethodAPIKeyAuth    = "APIKeyAuth"
	MethodExtAuth       = "ExtAuth"
	MethodAuthorization = "Authorization"
)

// policyIndex knows which SecurityPolicies attach to which targets.
type policyIndex struct {
	// byTarget maps a target key (see targetKey) to the policies attached
	// to it, oldest first.
	byTarget map[string][]*egv1a1.SecurityPolicy
	// targetsFound counts the existing targets of each policy.
	targetsFound map[*egv1a1.SecurityPolicy]int
	// references are the cross-namespace targets policies select.
	references []model.Reference
}

// policyUse records how one SecurityPolicy took part in deciding one
// endpoint's authentication: it applied to the route, or a more specific
// policy replaced it there.
type policyUse struct {
	policy     *egv1a1.SecurityPolicy
	at         model.EndpointRef
	overridden bool
}

func targetKey(kind, namespace, name, section string) string {
	k := kind + "/" + namespace + "/" + name
	if section != "" {
		k += "#" + section
	}
	return k
}

// indexPolicies indexes every SecurityPolicy by the targets it attaches to.
func indexPolicies(sc *scope.Scope, routes []*route, res *resolver) *policyIndex {
	idx := &policyIndex{byTarget: map[string][]*egv1a1.SecurityPolicy{}, targetsFound: map[*egv1a1.SecurityPolicy]int{}}
	targets := policyTargets(sc, routes)
	for i := range sc.Snap.SecurityPolicies {
		sp := &sc.Snap.SecurityPolicies[i]
		seen := map[string]bool{}
		attach := func(key string) {
			if !seen[key] {
				seen[key] = true
				idx.byTarget[key] = append(idx.byTarget[key], sp)
			}
		}
		for _, ref := range sp.Spec.GetTargetRefs() {
			if ref.Group != gwv1.GroupName {
				continue
			}
			key := targetKey(string(ref.Kind), sp.Namespace, string(ref.Name), sectionName(ref.SectionName))
			attach(key)
			if targets[targetKey(string(ref.Kind), sp.Namespace, string(ref.Name), "")] != nil {
				idx.targetsFound[sp]++
			}
		}
		for _, sel := range sp.Spec.TargetSelectors {
			selected, refs := selectTargets(sc, res, sp, sel, targets)
			idx.references = append(idx.references, refs...)
			for _, obj := range selected {
				attach(targetKey(string(sel.Kind), obj.GetNamespace(), obj.GetName(), ""))
				idx.targetsFound[sp]++
			}
		}
	}
	for key := range idx.byTarget {
		slices.SortStableFunc(idx.byTarget[key], olderFirst)
	}
	return idx
}

// olderFirst orders policies by age, then namespace and name: on a tie
// between policies at one level, the oldest applies.
func olderFirst(a, b *egv1a1.SecurityPolicy) int {
	return cmp.Or(a.CreationTimestamp.Compare(b.CreationTimestamp.Time), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

// policyTargets indexes the objects a SecurityPolicy can target by key.
func policyTargets(sc *scope.Scope, routes []*route) map[string]metav1.Object {
	out := map[string]metav1.Object{}
	for i := range sc.Snap.Gateways {
		gw := &sc.Snap.Gateways[i]
		out[targetKey(scope.KindGateway, gw.Namespace, gw.Name, "")] = gw
	}
	for _, r := range routes {
		out[targetKey(r.kind, r.meta.Namespace, r.meta.Name, "")] = r.meta
	}
	return out
}

// selectTargets returns the objects of a target selector's kind whose labels
// match, in the namespaces the selector considers (the policy's own by
// default; others only where a ReferenceGrant permits it), and the
// cross-namespace references it makes.
func selectTargets(sc *scope.Scope, res *resolver, sp *egv1a1.SecurityPolicy, sel egv1a1.TargetSelector,
	targets map[string]metav1.Object) ([]metav1.Object, []model.Reference) {
	if sel.Group != nil && *sel.Group != gwv1.GroupName {
		return nil, nil
	}
	selector, err := metav1.LabelSelectorAsSelector(&metav1.LabelSelector{MatchLabels: sel.MatchLabels, MatchExpressions: sel.MatchExpressions})
	if err != nil {
		return nil, nil // an invalid selector selects nothing; the policy then targets nothing
	}
	inNamespace := func(ns string) bool { return ns == sp.Namespace }
	if sel.Namespaces != nil {
		switch sel.Namespaces.From {
		case egv1a1.TargetNamespaceFromAll:
			inNamespace = func(string) bool { return true }
		case egv1a1.TargetNamespaceFromSelector:
			nsSel, err := metav1.LabelSelectorAsSelector(sel.Namespaces.Selector)
			if err != nil || sel.Namespaces.Selector == nil {
				return nil, nil
			}
			inNamespace = func(ns string) bool {
				n := sc.Namespaces[ns]
				return n != nil && nsSel.Matches(labels.Set(n.Labels))
			}
		}
	}
	var out []metav1.Object
	var refs []model.Reference
	for key, obj := range targets {
		if !strings.HasPrefix(key, string(sel.Kind)+"/") {
			continue
		}
		if !inNamespace(obj.GetNamespace()) || !selector.Matches(labels.Set(obj.GetLabels())) {
			continue
		}
		if obj.GetNamespace() != sp.Namespace {
			to := v1alpha1.ObjectRef{Kind: string(sel.Kind), Namespace: obj.GetNamespace(), Name: obj.GetName()}
			from := v1alpha1.ObjectRef{Kind: "SecurityPolicy", Namespace: sp.Namespace, Name: sp.Name}
			ref := res.resolve(from, egv1a1.GroupName, to, gwv1.GroupName)
			refs = append(refs, ref)
			if !ref.Permitted {
				continue
			}
		}
		out = append(out, obj)
	}
	slices.SortFunc(out, scope.CompareNamed)
	slices.SortFunc(refs, func(a, b model.Reference) int { return scope.CompareRefs(a.To, b.To) })
	return out, refs
}

// applicable returns the oldest policy attached to key that its controller
// has not rejected for the gateway.
func (idx *policyIndex) applicable(key string, gw *gwv1.Gateway) *egv1a1.SecurityPolicy {
	for _, sp := range idx.byTarget[key] {
		if !rejectedFor(sp, gw) {
			return sp
		}
	}
	return nil
}

// rejectedFor reports whether a policy's status says it is not accepted
// for a gateway (or for one of its routes under that gateway).
func rejectedFor(sp *egv1a1.SecurityPolicy, gw *gwv1.Gateway) bool {
	for _, a := range sp.Status.Ancestors {
		ns := sp.Namespace
		if a.AncestorRef.Namespace != nil {
			ns = string(*a.AncestorRef.Namespace)
		}
		if string(a.AncestorRef.Name) != gw.Name || ns != gw.Namespace || scope.StatusIsStale(a.Conditions, sp.Generation) {
			continue // another gateway's, or for an older spec
		}
		if c := meta.FindStatusCondition(a.Conditions, string(gwv1.PolicyConditionAccepted)); c != nil && c.Status == metav1.ConditionFalse {
			return true
		}
	}
	return false
}

// levelPolicy is the policy that applies at one attachment level.
type levelPolicy struct {
	level  string
	policy *egv1a1.SecurityPolicy
}

// effectivePolicies returns the policies that apply to one rule of an
// attachment: the most specific level's oldest policy, and, when it asks to
// merge, the closest gateway-side policy it merges into; and the less
// specific policies it replaces.
func effectivePolicies(idx *policyIndex, a attachment, rule routeRule) (applied []levelPolicy, replaced []*egv1a1.SecurityPolicy) {
	r, gw := a.route, a.gateway
	var levels []levelPolicy
	if rule.name != "" {
		levels = append(levels, levelPolicy{LevelRouteRule, idx.applicable(targetKey(r.kind, r.meta.Namespace, r.meta.Name, rule.name), gw)})
	}
	levels = append(levels,
		levelPolicy{LevelRoute, idx.applicable(targetKey(r.kind, r.meta.Namespace, r.meta.Name, ""), gw)},
		levelPolicy{LevelListener, idx.applicable(targetKey(scope.KindGateway, gw.Namespace, gw.Name, string(a.listener.Name)), gw)},
		levelPolicy{LevelGateway, idx.applicable(targetKey(scope.KindGateway, gw.Namespace, gw.Name, ""), gw)},
	)
	for i, lp := range levels {
		if lp.policy == nil {
			continue
		}
		applied = append(applied, lp)
		routeSide := lp.level == LevelRouteRule || lp.level == LevelRoute
		merging := routeSide && lp.policy.Spec.MergeType != nil
		for _, rest := range levels[i+1:] {
			if rest.policy == nil || rest.policy == lp.policy {
				continue
			}
			if merging && (rest.level == LevelListener || rest.level == LevelGateway) {
				applied = append(applied, rest)
				merging = false
				continue
			}
			replaced = append(replaced, rest.policy)
		}
		break
	}
	return applied, replaced
}

// authSources are what decides authentication besides SecurityPolicies.
type authSources struct {
	policies    *policyIndex
	clientCerts clientCertPolicies
	backends    *backendGuards
}

// endpointAuth is the authentication of an endpoint and what decided it.
type endpointAuth struct {
	auth v1alpha1.Authentication
	uses []policyUse
	// privateOnly is true when every forwarding rule admits only private
	// client addresses (SecurityPolicy authorization).
	privateOnly string
}

// authenticationOf is the authentication of an endpoint: that of its
// weakest forwarding rules (an open path leaves the hostname open); when
// rules at that level differ, their methods and policies are listed
// together, and when the rules differ at all, each is listed. A rule's
// authentication is the strongest of its SecurityPolicies', the client
// certificates its listener requires, and an authenticating proxy or
// Flux Receivers in its backend pods. HTTP authentication does not apply
// to TLS, TCP and UDP routes; behind TLS passthrough the gateway cannot
// see requests at all, so their authentication is Unknown, not None.
func authenticationOf(src authSources, a attachment) endpointAuth {
	at := model.EndpointRef{Gateway: v1alpha1.ObjectRef{Kind: scope.KindGateway, Namespace: a.gateway.Namespace, Name: a.gateway.Name},
		Listener: string(a.listener.Name), Route: a.route.ref()}
	var out endpointAuth
	var weakest []v1alpha1.Authentication
	var rules []v1alpha1.RuleAuthentication
	private := []string{}
	for i, rule := range a.route.rules {
		if len(rule.backends) == 0 {
			continue
		}
		applied, replaced := effectivePolicies(src.policies, a, rule)
		for _, lp := range applied {
			out.uses = append(out.uses, policyUse{policy: lp.policy, at: at})
		}
		for _, sp := range replaced {
			out.uses = append(out.uses, policyUse{policy: sp, at: at, overridden: true})
		}
		auth, privateOnly := authenticationFrom(applied, a.route.kind == "HTTPRoute" || a.route.kind == "GRPCRoute")
		if privateOnly != "" {
			private = append(private, privateOnly)
		}
		if certs, ok := src.clientCerts.clientCertificates(a); ok {
			auth = stronger(auth, certs)
		}
		if backend, ok := backendAuthentication(src.backends, a.route, rule); ok {
			auth = stronger(auth, backend)
		}
		if a.route.kind == "TLSRoute" && auth.Mode == v1alpha1.AuthenticationNone {
			auth.Mode, auth.Source = v1alpha1.AuthenticationUnknown, "TLS passthrough: the gateway cannot see requests, only the backend can authenticate them"
		}
		rules = append(rules, v1alpha1.RuleAuthentication{Rule: rule.label(i), Paths: rule.matches, Mode: auth.Mode, Methods: auth.Methods, Policy: auth.Policy})
		switch {
		case len(weakest) == 0 || auth.Mode.Rank() < weakest[0].Mode.Rank():
			weakest = []v1alpha1.Authentication{auth}
		case auth.Mode.Rank() == weakest[0].Mode.Rank():
			weakest = append(weakest, auth)
		}
	}
	if len(weakest) == 0 {
		out.auth = v1alpha1.Authentication{Mode: v1alpha1.AuthenticationNone}
		return out
	}
	out.auth = combine(weakest)
	if rulesDiffer(rules) {
		out.auth.Rules = rules
		if len(out.auth.Rules) > maxRuleAuthentications {
			out.auth.Rules = out.auth.Rules[:maxRuleAuthentications]
		}
	}
	if len(private) == len(rules) {
		for _, p := range private {
			out.privateOnly = scope.JoinDistinct(out.privateOnly, p)
		}
	}
	return out
}

// maxRuleAuthentications bounds the rules listed per endpoint.
const maxRuleAuthentications = 64

// rulesDiffer says whether the rules of a route are not all guarded alike.
func rulesDiffer(rules []v1alpha1.RuleAuthentication) bool {
	for _, r := range rules[1:] {
		if r.Mode != rules[0].Mode || r.Policy != rules[0].Policy || !slices.Equal(r.Methods, rules[0].Methods) {
			return true
		}
	}
	return false
}

// stronger returns the stronger of two authentications, the methods of
// both when they are equally strong.
func stronger(a, b v1alpha1.Authentication) v1alpha1.Authentication {
	switch {
	case b.Mode.Rank() > a.Mode.Rank():
		if a.Policy != "" && b.Policy == "" {
			b.Policy, b.AttachedAt, b.MergedWith = a.Policy, a.AttachedAt, a.MergedWith
			b.Methods = append(slices.Clone(a.Methods), b.Methods...)
		}
		return b
	case b.Mode.Rank() == a.Mode.Rank() && b.Mode != v1alpha1.AuthenticationNone:
		a.Methods = append(slices.Clone(a.Methods), b.Methods...)
		a.Source = scope.JoinDistinct(a.Source, b.Source)
	}
	return a
}

// combine joins the authentications of rules of equal strength.
func combine(auths []v1alpha1.Authentication) v1alpha1.Authentication {
	out := auths[0]
	out.Methods = slices.Clone(out.Methods)
	for _, a := range auths[1:] {
		for _, m := range a.Methods {
			if !slices.Contains(out.Methods, m) {
				out.Methods = append(out.Methods, m)
			}
		}
		out.Policy = scope.JoinDistinct(out.Policy, a.Policy)
		out.AttachedAt = scope.JoinDistinct(out.AttachedAt, a.AttachedAt)
		out.MergedWith = scope.JoinDistinct(out.MergedWith, a.MergedWith)
	}
	return out
}

// authenticationFrom computes what the applying policies enforce. With a
// merge, the route-side policy's settings replace the gateway-side ones
// field by field. On routes other than HTTP and gRPC only authorization
// applies (Envoy Gateway applies the rest as HTTP filters). privateOnly
// names the policy when its authorization admits only private clients.
func authenticationFrom(lps []levelPolicy, http bool) (auth v1alpha1.Authentication, privateOnly string) {
	if len(lps) == 0 {
		return v1alpha1.Authentication{Mode: v1alpha1.AuthenticationNone}, ""
	}
	spec := lps[0].policy.Spec
	auth = v1alpha1.Authentication{Policy: lps[0].policy.Namespace + "/" + lps[0].policy.Name, AttachedAt: lps[0].level}
	if len(lps) > 1 {
		parent := lps[1].policy.Spec
		auth.MergedWith = lps[1].policy.Namespace + "/" + lps[1].policy.Name
		spec.JWT = cmp.Or(spec.JWT, parent.JWT)
		spec.OIDC = cmp.Or(spec.OIDC, parent.OIDC)
		spec.BasicAuth = cmp.Or(spec.BasicAuth, parent.BasicAuth)
		spec.APIKeyAuth = cmp.Or(spec.APIKeyAuth, parent.APIKeyAuth)
		spec.ExtAuth = cmp.Or(spec.ExtAuth, parent.ExtAuth)
		spec.Authorization = cmp.Or(spec.Authorization, parent.Authorization)
	}
	if !http {
		spec = egv1a1.SecurityPolicySpec{Authorization: spec.Authorization}
	}
	auth.Methods, auth.Mode = methodsOf(&spec)
	if cidrs := privateClientsOnly(spec.Authorization); cidrs != "" {
		privateOnly = fmt.Sprintf("SecurityPolicy %s admits only private client addresses (%s)", auth.Policy, cidrs)
	}
	return auth, privateOnly
}

// privateClientsOnly returns the client ranges an authorization admits
// when, refusing by default, it allows only clients in private ranges;
// "" otherwise.
func privateClientsOnly(authz *egv1a1.Authorization) string {
	if authz == nil || (authz.DefaultAction != nil && *authz.DefaultAction != egv1a1.AuthorizationActionDeny) {
		return ""
	}
	var cidrs []string
	for _, r := range authz.Rules {
		if r.Action != egv1a1.AuthorizationActionAllow {
			continue
		}
		if r.Principal == nil || len(r.Principal.ClientCIDRs) == 0 {
			return ""
		}
		for _, c := range r.Principal.ClientCIDRs {
			if !scope.RangeIsPrivate(string(c)) {
				return ""
			}
			cidrs = append(cidrs, string(c))
		}
	}
	return strings.Join(slices.Compact(cidrs), ", ")
}

// methodsOf lists the methods a SecurityPolicy spec configures and the
// strongest guarantee they give.
func methodsOf(spec *egv1a1.SecurityPolicySpec) ([]string, v1alpha1.AuthenticationMode) {
	var methods []string
	mode := v1alpha1.AuthenticationNone
	raise := func(m v1alpha1.AuthenticationMode) {
		if m.Rank() > mode.Rank() {
			mode = m
		}
	}
	if spec.JWT != nil {
		methods = append(methods, MethodJWT)
		if isTrue(spec.JWT.Optional) || isTrue(spec.JWT.FailOpen) {
			raise(v1alpha1.AuthenticationOptional)
		} else {
			raise(v1alpha1.AuthenticationRequired)
		}
	}
	for _, m := range []struct {
		set  bool
		name string
	}{
		{spec.OIDC != nil, MethodOIDC}, {spec.BasicAuth != nil, MethodBasicAuth},
		{spec.APIKeyAuth != nil, MethodAPIKeyAuth}, {spec.ExtAuth != nil, MethodExtAuth},
	} {
		if m.set {
			methods = append(methods, m.name)
			raise(v1alpha1.AuthenticationRequired)
		}
	}
	if spec.Authorization != nil {
		methods = append(methods, MethodAuthorization)
		// Without a default action, and with one of Deny, what no rule
		// allows is refused.
		if spec.Authorization.DefaultAction == nil || *spec.Authorization.DefaultAction == egv1a1.AuthorizationActionDeny {
			raise(v1alpha1.AuthenticationRequired)
		}
	}
	return methods, mode
}

func isTrue(b *bool) bool { return b != nil && *b }
