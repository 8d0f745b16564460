package exposure

import (
	"cmp"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/scope"
)

// gatewayEntries describes the Gateways in scope, sorted by namespace and
// name, with the number of routes attached to each listener.
func gatewayEntries(sc *scope.Scope, atts []attachment) []v1alpha1.GatewayEntry {
	attached := map[string]map[string]bool{} // listener key -> routes
	for _, a := range atts {
		key := a.gateway.Namespace + "/" + a.gateway.Name + "/" + string(a.listener.Name)
		if attached[key] == nil {
			attached[key] = map[string]bool{}
		}
		attached[key][a.route.kind+"/"+a.route.meta.Namespace+"/"+a.route.meta.Name] = true
	}
	var out []v1alpha1.GatewayEntry
	for _, gw := range scope.Of(sc, sc.Snap.Gateways) {
		d := sc.Exposure.Decide(scope.KindGateway, gw)
		e := v1alpha1.GatewayEntry{
			Namespace:        gw.Namespace,
			Name:             gw.Name,
			Class:            string(gw.Spec.GatewayClassName),
			Addresses:        scope.GatewayAddresses(gw),
			Exposure:         d.Exposure,
			ExposureSource:   d.Source,
			ExposureEvidence: d.Evidence,
			Programmed:       conditionStatus(gw.Status.Conditions, string(gwv1.GatewayConditionProgrammed)),
			Purpose:          scope.PurposeOf(gw),
		}
		for _, l := range gw.Spec.Listeners {
			le := listenerEntry(l)
			le.AttachedRoutes = int32(len(attached[gw.Namespace+"/"+gw.Name+"/"+le.Name]))
			e.Listeners = append(e.Listeners, le)
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b v1alpha1.GatewayEntry) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

func listenerEntry(l gwv1.Listener) v1alpha1.ListenerEntry {
	e := v1alpha1.ListenerEntry{
		Name:              string(l.Name),
		Port:              int32(l.Port),
		Protocol:          string(l.Protocol),
		AllowedNamespaces: allowedNamespaces(l.AllowedRoutes),
		AllowedKinds:      allowedKindNames(l),
	}
	if l.Hostname != nil {
		e.Hostname = string(*l.Hostname)
	}
	return e
}

// allowedNamespaces renders where routes may attach from; the API's default
// is Same.
func allowedNamespaces(ar *gwv1.AllowedRoutes) string {
	if ar == nil || ar.Namespaces == nil || ar.Namespaces.From == nil {
		return string(gwv1.NamespacesFromSame)
	}
	from := string(*ar.Namespaces.From)
	if *ar.Namespaces.From == gwv1.NamespacesFromSelector && ar.Namespaces.Selector != nil {
		if s, err := metav1.LabelSelectorAsSelector(ar.Namespaces.Selector); err == nil {
			return from + "(" + s.String() + ")"
		}
		return from + "(invalid)"
	}
	return from
}

// allowedKindNames returns the route kinds a listener admits: those it
// lists, else the kinds its protocol carries.
func allowedKindNames(l gwv1.Listener) []string {
	var out []string
	if l.AllowedRoutes != nil {
		for _, k := range l.AllowedRoutes.Kinds {
			out = append(out, string(k.Kind))
		}
	}
	if len(out) > 0 {
		return out
	}
	return defaultRouteKinds(l)
}

// defaultRouteKinds are the route kinds a listener protocol carries when
// allowedRoutes.kinds is empty.
func defaultRouteKinds(l gwv1.Listener) []string {
	switch l.Protocol {
	case gwv1.HTTPProtocolType, gwv1.HTTPSProtocolType:
		return []string{"HTTPRoute", "GRPCRoute"}
	case gwv1.TLSProtocolType:
		if l.TLS != nil && l.TLS.Mode != nil && *l.TLS.Mode == gwv1.TLSModeTerminate {
			return []string{"TCPRoute"}
		}
		return []string{"TLSRoute"}
	case gwv1.TCPProtocolType:
		return []string{"TCPRoute"}
	case gwv1.UDPProtocolType:
		return []string{"UDPRoute"}
	}
	return nil
}

// conditionStatus returns a condition's status, or Unknown when absent.
func conditionStatus(conds []metav1.Condition, t string) string {
	if c := meta.FindStatusCondition(conds, t); c != nil {
		return string(c.Status)
	}
	return string(metav1.ConditionUnknown)
}
