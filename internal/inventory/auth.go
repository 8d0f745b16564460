package inventory

import (
	"cmp"
	"slices"
	"strings"

	egv1a1 "github.com/envoyproxy/gateway/api/v1alpha1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
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
	// protects collects the routes each policy applies to.
	protects map[*egv1a1.SecurityPolicy]map[v1alpha1.ObjectRef]bool
	// overridden collects, per policy, the endpoints where a more specific
	// policy replaces it.
	overridden map[*egv1a1.SecurityPolicy]map[string]bool
}

func targetKey(kind, namespace, name, section string) string {
	k := kind + "/" + namespace + "/" + name
	if section != "" {
		k += "#" + section
	}
	return k
}

func newPolicyIndex(m *engine) *policyIndex {
	idx := &policyIndex{
		byTarget:     map[string][]*egv1a1.SecurityPolicy{},
		targetsFound: map[*egv1a1.SecurityPolicy]int{},
		protects:     map[*egv1a1.SecurityPolicy]map[v1alpha1.ObjectRef]bool{},
		overridden:   map[*egv1a1.SecurityPolicy]map[string]bool{},
	}
	targets := m.policyTargets()
	for i := range m.snap.SecurityPolicies {
		sp := &m.snap.SecurityPolicies[i]
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
			for _, obj := range m.selectTargets(sp, sel, targets) {
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
func (m *engine) policyTargets() map[string]metav1.Object {
	out := map[string]metav1.Object{}
	for i := range m.snap.Gateways {
		gw := &m.snap.Gateways[i]
		out[targetKey(kindGateway, gw.Namespace, gw.Name, "")] = gw
	}
	for _, r := range m.routes {
		out[targetKey(r.kind, r.meta.Namespace, r.meta.Name, "")] = r.meta
	}
	return out
}

// selectTargets returns the objects of a target selector's kind whose labels
// match, in the namespaces the selector considers (the policy's own by
// default; others only where a ReferenceGrant permits it).
func (m *engine) selectTargets(sp *egv1a1.SecurityPolicy, sel egv1a1.TargetSelector, targets map[string]metav1.Object) []metav1.Object {
	if sel.Group != nil && *sel.Group != gwv1.GroupName {
		return nil
	}
	selector, err := metav1.LabelSelectorAsSelector(&metav1.LabelSelector{MatchLabels: sel.MatchLabels, MatchExpressions: sel.MatchExpressions})
	if err != nil {
		return nil // an invalid selector selects nothing; the policy then targets nothing
	}
	inNamespace := func(ns string) bool { return ns == sp.Namespace }
	if sel.Namespaces != nil {
		switch sel.Namespaces.From {
		case egv1a1.TargetNamespaceFromAll:
			inNamespace = func(string) bool { return true }
		case egv1a1.TargetNamespaceFromSelector:
			nsSel, err := metav1.LabelSelectorAsSelector(sel.Namespaces.Selector)
			if err != nil || sel.Namespaces.Selector == nil {
				return nil
			}
			inNamespace = func(ns string) bool {
				n := m.namespaces[ns]
				return n != nil && nsSel.Matches(labels.Set(n.Labels))
			}
		}
	}
	var out []metav1.Object
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
			if !m.refs.add(from, egv1a1.GroupName, to, gwv1.GroupName).Permitted {
				continue
			}
		}
		out = append(out, obj)
	}
	slices.SortFunc(out, func(a, b metav1.Object) int {
		return cmp.Or(cmp.Compare(a.GetNamespace(), b.GetNamespace()), cmp.Compare(a.GetName(), b.GetName()))
	})
	return out
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
		if string(a.AncestorRef.Name) != gw.Name || ns != gw.Namespace || statusIsStale(a.Conditions, sp.Generation) {
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
// merge, the closest gateway-side policy it merges into. The less specific
// policies it replaces are recorded as overridden.
func (m *engine) effectivePolicies(a attachment, rule routeRule, endpoint string) []levelPolicy {
	r, gw := a.route, a.gateway
	var levels []levelPolicy
	if rule.name != "" {
		levels = append(levels, levelPolicy{LevelRouteRule, m.policies.applicable(targetKey(r.kind, r.meta.Namespace, r.meta.Name, rule.name), gw)})
	}
	levels = append(levels,
		levelPolicy{LevelRoute, m.policies.applicable(targetKey(r.kind, r.meta.Namespace, r.meta.Name, ""), gw)},
		levelPolicy{LevelListener, m.policies.applicable(targetKey(kindGateway, gw.Namespace, gw.Name, string(a.listener.Name)), gw)},
		levelPolicy{LevelGateway, m.policies.applicable(targetKey(kindGateway, gw.Namespace, gw.Name, ""), gw)},
	)
	var out []levelPolicy
	for i, lp := range levels {
		if lp.policy == nil {
			continue
		}
		out = append(out, lp)
		routeSide := lp.level == LevelRouteRule || lp.level == LevelRoute
		merging := routeSide && lp.policy.Spec.MergeType != nil
		for _, rest := range levels[i+1:] {
			if rest.policy == nil || rest.policy == lp.policy {
				continue
			}
			if merging && (rest.level == LevelListener || rest.level == LevelGateway) {
				out = append(out, rest)
				merging = false
				continue
			}
			if m.policies.overridden[rest.policy] == nil {
				m.policies.overridden[rest.policy] = map[string]bool{}
			}
			m.policies.overridden[rest.policy][endpoint] = true
		}
		break
	}
	for _, lp := range out {
		if m.policies.protects[lp.policy] == nil {
			m.policies.protects[lp.policy] = map[v1alpha1.ObjectRef]bool{}
		}
		m.policies.protects[lp.policy][r.ref()] = true
	}
	return out
}

// modeRank orders authentication modes from weakest to strongest.
func modeRank(m v1alpha1.AuthenticationMode) int {
	return slices.Index([]v1alpha1.AuthenticationMode{v1alpha1.AuthenticationNone, v1alpha1.AuthenticationOptional,
		v1alpha1.AuthenticationDeclared, v1alpha1.AuthenticationRequired}, m)
}

// authenticationOf is the authentication of an endpoint: that of its
// weakest forwarding rules (an open path leaves the hostname open); when
// rules at that level differ, their methods and policies are listed
// together.
func (m *engine) authenticationOf(a attachment, backends []v1alpha1.BackendEntry) v1alpha1.Authentication {
	endpoint := a.gateway.Namespace + "/" + a.gateway.Name + "/" + string(a.listener.Name) + " " + a.route.ref().Namespace + "/" + a.route.ref().Name
	var weakest []v1alpha1.Authentication
	for _, rule := range a.route.rules {
		if len(rule.backends) == 0 {
			continue
		}
		auth := authenticationFrom(m.effectivePolicies(a, rule, endpoint))
		switch {
		case len(weakest) == 0 || modeRank(auth.Mode) < modeRank(weakest[0].Mode):
			weakest = []v1alpha1.Authentication{auth}
		case modeRank(auth.Mode) == modeRank(weakest[0].Mode):
			weakest = append(weakest, auth)
		}
	}
	out := v1alpha1.Authentication{Mode: v1alpha1.AuthenticationNone}
	if len(weakest) > 0 {
		out = combine(weakest)
	}
	out.Declared = m.declaredAuthentication(a.route, backends)
	if out.Mode == v1alpha1.AuthenticationNone && out.Declared != "" {
		out.Mode = v1alpha1.AuthenticationDeclared
	}
	return out
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
		out.Policy = joinDistinct(out.Policy, a.Policy)
		out.AttachedAt = joinDistinct(out.AttachedAt, a.AttachedAt)
		out.MergedWith = joinDistinct(out.MergedWith, a.MergedWith)
	}
	return out
}

// joinDistinct appends b to the comma-separated list a unless present.
func joinDistinct(a, b string) string {
	if b == "" || slices.Contains(strings.Split(a, ", "), b) {
		return a
	}
	if a == "" {
		return b
	}
	return a + ", " + b
}

// authenticationFrom computes what the applying policies enforce. With a
// merge, the route-side policy's settings replace the gateway-side ones
// field by field.
func authenticationFrom(lps []levelPolicy) v1alpha1.Authentication {
	if len(lps) == 0 {
		return v1alpha1.Authentication{Mode: v1alpha1.AuthenticationNone}
	}
	spec := lps[0].policy.Spec
	auth := v1alpha1.Authentication{Policy: lps[0].policy.Namespace + "/" + lps[0].policy.Name, AttachedAt: lps[0].level}
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
	auth.Methods, auth.Mode = methodsOf(&spec)
	return auth
}

// methodsOf lists the methods a SecurityPolicy spec configures and the
// strongest guarantee they give.
func methodsOf(spec *egv1a1.SecurityPolicySpec) ([]string, v1alpha1.AuthenticationMode) {
	var methods []string
	mode := v1alpha1.AuthenticationNone
	raise := func(m v1alpha1.AuthenticationMode) {
		if modeRank(m) > modeRank(mode) {
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
