package exposure

import (
	"cmp"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/scope"
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
		d := sc.Exposure.Decide(scope.KindService, svc)
		e.Exposure, e.ExposureSource, e.ExposureEvidence = d.Exposure, d.Source, d.Evidence
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
