package exposure

import (
	"cmp"
	"slices"

	egv1a1 "github.com/envoyproxy/gateway/api/v1alpha1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/scope"
)

// clientCertPolicies indexes the ClientTrafficPolicies that validate
// client certificates, by the Gateway or listener they target.
type clientCertPolicies map[string][]*egv1a1.ClientTrafficPolicy

func indexClientCertPolicies(sc *scope.Scope) clientCertPolicies {
	out := clientCertPolicies{}
	for i := range sc.Snap.ClientTrafficPolicies {
		ctp := &sc.Snap.ClientTrafficPolicies[i]
		if ctp.Spec.TLS == nil || ctp.Spec.TLS.ClientValidation == nil {
			continue
		}
		for _, ref := range ctp.Spec.GetTargetRefs() {
			if ref.Group == gwv1.GroupName && ref.Kind == scope.KindGateway {
				key := targetKey(scope.KindGateway, ctp.Namespace, string(ref.Name), sectionName(ref.SectionName))
				out[key] = append(out[key], ctp)
			}
		}
	}
	for _, list := range out {
		slices.SortStableFunc(list, func(a, b *egv1a1.ClientTrafficPolicy) int {
			return cmp.Or(a.CreationTimestamp.Compare(b.CreationTimestamp.Time), cmp.Compare(a.Name, b.Name))
		})
	}
	return out
}

// clientCertificates is the client certificate authentication that
// applies on a listener: the policy targeting the listener, else the one
// targeting its Gateway (the more specific one replaces the other, the
// oldest winning a tie), on listeners that terminate TLS. ok is false
// when none applies.
func (idx clientCertPolicies) clientCertificates(a attachment) (v1alpha1.Authentication, bool) {
	l := a.listener
	terminates := l.Protocol == gwv1.HTTPSProtocolType ||
		(l.Protocol == gwv1.TLSProtocolType && l.TLS != nil && l.TLS.Mode != nil && *l.TLS.Mode == gwv1.TLSModeTerminate)
	if !terminates {
		return v1alpha1.Authentication{}, false
	}
	gw := a.gateway
	for _, key := range []string{targetKey(scope.KindGateway, gw.Namespace, gw.Name, string(l.Name)), targetKey(scope.KindGateway, gw.Namespace, gw.Name, "")} {
		list := idx[key]
		if len(list) == 0 {
			continue
		}
		ctp := list[0]
		level := LevelGateway
		if key != targetKey(scope.KindGateway, gw.Namespace, gw.Name, "") {
			level = LevelListener
		}
		mode := v1alpha1.AuthenticationRequired
		if cv := ctp.Spec.TLS.ClientValidation; cv.Optional || (cv.Mode != nil && *cv.Mode != egv1a1.ClientValidationRequireAndVerify) {
			mode = v1alpha1.AuthenticationOptional // a certificate is asked for, or not verified
		}
		return v1alpha1.Authentication{Mode: mode, Methods: []string{MethodMTLS}, AttachedAt: level,
			Source: "client certificates (ClientTrafficPolicy " + ctp.Namespace + "/" + ctp.Name + ")"}, true
	}
	return v1alpha1.Authentication{}, false
}
