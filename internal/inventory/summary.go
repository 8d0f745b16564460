package inventory

import (
	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
)

// summarize counts everything, whatever the list limits.
func summarize(md *model.Model, findings []v1alpha1.Finding) v1alpha1.Summary {
	s := v1alpha1.Summary{
		Gateways:         int32(len(md.Gateways)),
		Endpoints:        int32(len(md.Endpoints)),
		SecurityPolicies: int32(len(md.SecurityPolicies)),
		NetworkPolicies:  int32(len(md.NetworkPolicies)),
		ReferenceGrants:  int32(len(md.ReferenceGrants)),
		Namespaces:       int32(len(md.Namespaces)),
	}
	for _, e := range md.Endpoints {
		public := e.Exposure == v1alpha1.ExposurePublic
		none := e.Authentication.Mode == v1alpha1.AuthenticationNone
		if public {
			s.PublicEndpoints++
		}
		if none {
			s.UnauthenticatedEndpoints++
		}
		if public && none {
			s.UnauthenticatedPublicEndpoints++
		}
	}
	for _, svc := range md.Services {
		if svc.Type == "LoadBalancer" {
			s.LoadBalancerServices++
		}
		for _, p := range svc.Ports {
			if p.NodePort != 0 {
				s.NodePortServices++
				break
			}
		}
	}
	for _, ns := range md.Namespaces {
		s.Pods += ns.Pods
		s.HostNetworkPods += ns.HostNetworkPods
		if ns.Coverage == v1alpha1.CoverageNone || ns.Coverage == v1alpha1.CoverageSelectedNotIsolated {
			s.NotIsolatedNamespaces++
		}
	}
	for _, f := range findings {
		if f.Acknowledged {
			s.Findings.Acknowledged++
			continue
		}
		switch f.Priority {
		case v1alpha1.PriorityCritical:
			s.Findings.Critical++
		case v1alpha1.PriorityHigh:
			s.Findings.High++
		case v1alpha1.PriorityMedium:
			s.Findings.Medium++
		case v1alpha1.PriorityLow:
			s.Findings.Low++
		}
	}
	return s
}
