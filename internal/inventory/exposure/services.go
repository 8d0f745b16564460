package exposure

import (
	"cmp"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/scope"
)

// Labels Envoy Gateway puts on the Services of the proxies of a Gateway.
const (
	labelOwningGatewayName      = "gateway.envoyproxy.io/owning-gateway-name"
	labelOwningGatewayNamespace = "gateway.envoyproxy.io/owning-gateway-namespace"
)

// serviceEntries describes the Services reachable from outside the
// cluster: LoadBalancer Services, and NodePort Services. A LoadBalancer
// Service opens node ports too unless allocateLoadBalancerNodePorts is
// false.
func serviceEntries(sc *scope.Scope) []v1alpha1.ServiceEntry {
	var out []v1alpha1.ServiceEntry
	for _, svc := range scope.Of(sc, sc.Snap.Services) {
		if svc.Spec.Type != corev1.ServiceTypeLoadBalancer && svc.Spec.Type != corev1.ServiceTypeNodePort {
			continue
		}
		e := v1alpha1.ServiceEntry{
			Namespace: svc.Namespace, Name: svc.Name, Type: string(svc.Spec.Type),
			SourceRanges: svc.Spec.LoadBalancerSourceRanges, Purpose: scope.PurposeOf(svc),
		}
		e.Exposure = serviceExposure(sc, svc)
		for _, ing := range svc.Status.LoadBalancer.Ingress {
			if ing.IP != "" {
				e.ExternalAddresses = append(e.ExternalAddresses, ing.IP)
			}
			if ing.Hostname != "" {
				e.ExternalAddresses = append(e.ExternalAddresses, ing.Hostname)
			}
		}
		e.ExternalAddresses = append(e.ExternalAddresses, svc.Spec.ExternalIPs...)
		opensNodePorts := opensNodePorts(svc)
		for _, p := range svc.Spec.Ports {
			pe := v1alpha1.ServicePortEntry{Name: p.Name, Port: p.Port, Protocol: string(p.Protocol)}
			if pe.Protocol == "" {
				pe.Protocol = string(corev1.ProtocolTCP)
			}
			if opensNodePorts {
				pe.NodePort = p.NodePort
			}
			e.Ports = append(e.Ports, pe)
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b v1alpha1.ServiceEntry) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// opensNodePorts says whether a Service opens ports on every node.
func opensNodePorts(svc *corev1.Service) bool {
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		return true
	case corev1.ServiceTypeLoadBalancer:
		return svc.Spec.AllocateLoadBalancerNodePorts == nil || *svc.Spec.AllocateLoadBalancerNodePorts
	}
	return false
}

// serviceExposure classifies a Service. A proxy Service Envoy Gateway made
// for a Gateway has that Gateway's exposure unless a rule or annotation
// classifies the Service itself.
func serviceExposure(sc *scope.Scope, svc *corev1.Service) v1alpha1.Exposure {
	exposure, from := sc.Exposure.Classify(scope.KindService, svc)
	if from != scope.ExposureFromDefault {
		return exposure
	}
	name, ns := svc.Labels[labelOwningGatewayName], svc.Labels[labelOwningGatewayNamespace]
	if gw := sc.Gateways[types.NamespacedName{Namespace: ns, Name: name}]; name != "" && gw != nil {
		exposure, _ = sc.Exposure.Classify(scope.KindGateway, gw)
	}
	return exposure
}
