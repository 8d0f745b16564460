package scope

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/snapshot"
)

// external-dns annotations read as evidence.
const (
	annotationDNSTarget   = "external-dns.alpha.kubernetes.io/target"
	annotationDNSHostname = "external-dns.alpha.kubernetes.io/hostname"
	// Labels Envoy Gateway puts on the Services of a Gateway's proxies.
	LabelOwningGatewayName      = "gateway.envoyproxy.io/owning-gateway-name"
	LabelOwningGatewayNamespace = "gateway.envoyproxy.io/owning-gateway-namespace"
)

// maxEvidence bounds the evidence items kept per object.
const maxEvidence = 16

// maxDNSDepth bounds how many CNAMEs are followed.
const maxDNSDepth = 8

// evidence is what was read about one object's exposure.
type evidence struct {
	public, internal, other []string
}

func (e *evidence) add(public bool, text string) {
	if public {
		e.public = append(e.public, text)
	} else {
		e.internal = append(e.internal, text)
	}
}

// decide turns the evidence into a decision: public evidence wins; internal
// evidence decides only when no tunnel the inventory cannot read might
// forward to the object.
func (e *evidence) decide(unknownTunnels []string, def v1alpha1.Exposure) Decision {
	var d Decision
	switch {
	case len(e.public) > 0:
		d = Decision{Exposure: v1alpha1.ExposurePublic, Source: ExposureFromEvidence}
		d.Evidence = slices.Concat(e.public, e.internal, e.other)
	case len(e.internal) > 0 && len(unknownTunnels) == 0:
		d = Decision{Exposure: v1alpha1.ExposureInternal, Source: ExposureFromEvidence}
		d.Evidence = slices.Concat(e.internal, []string{"no tunnel the inventory read forwards to it"}, e.other)
	default:
		d = Decision{Exposure: def, Source: ExposureFromDefault}
		d.Evidence = slices.Concat(e.internal, e.other, unknownTunnels)
	}
	d.Evidence = slices.Compact(d.Evidence)
	if len(d.Evidence) > maxEvidence {
		d.Evidence = d.Evidence[:maxEvidence]
	}
	return d
}

// dnsRecord is one record a DNSEndpoint publishes.
type dnsRecord struct {
	recordType string
	targets    []string
	origin     string
}

// addressed is an object with addresses that a hostname annotation names.
type addressed struct {
	what      string
	addresses []string
}

// evidenceIndex indexes what the evidence is read from.
type evidenceIndex struct {
	snap     *snapshot.Snapshot
	proxies  map[types.NamespacedName][]*corev1.Service
	services map[types.NamespacedName]*corev1.Service
	gateways map[types.NamespacedName]*gwv1.Gateway
	records  map[string][]dnsRecord
	owners   map[string][]addressed
	// forwardedTo maps a Gateway or Service key (kind/namespace/name) to
	// the tunnel ingress rules that forward to it, in words.
	forwardedTo    map[string][]string
	unknownTunnels []string
	// tunnelPods are the pods that run a tunnel (runsTunnel).
	tunnelPods []*snapshot.Pod
}

func newEvidenceIndex(snap *snapshot.Snapshot, tunnelPods []*snapshot.Pod, gateways map[types.NamespacedName]*gwv1.Gateway,
	services map[types.NamespacedName]*corev1.Service) *evidenceIndex {
	ix := &evidenceIndex{snap: snap, tunnelPods: tunnelPods, gateways: gateways, services: services,
		proxies: map[types.NamespacedName][]*corev1.Service{}, records: map[string][]dnsRecord{},
		owners: map[string][]addressed{}, forwardedTo: map[string][]string{}}
	for i := range snap.Services {
		svc := &snap.Services[i]
		if name := svc.Labels[LabelOwningGatewayName]; name != "" {
			key := types.NamespacedName{Namespace: svc.Labels[LabelOwningGatewayNamespace], Name: name}
			ix.proxies[key] = append(ix.proxies[key], svc)
		}
		for _, h := range splitList(svc.Annotations[annotationDNSHostname]) {
			ix.owners[h] = append(ix.owners[h], addressed{"Service " + svc.Namespace + "/" + svc.Name, serviceAddresses(svc)})
		}
	}
	for i := range snap.Gateways {
		gw := &snap.Gateways[i]
		hostnames := splitList(gw.Annotations[annotationDNSHostname])
		if gw.Spec.Infrastructure != nil {
			hostnames = append(hostnames, splitList(string(gw.Spec.Infrastructure.Annotations[annotationDNSHostname]))...)
		}
		for _, h := range hostnames {
			ix.owners[h] = append(ix.owners[h], addressed{"Gateway " + gw.Namespace + "/" + gw.Name, GatewayAddresses(gw)})
		}
	}
	for i := range snap.DNSEndpoints {
		de := &snap.DNSEndpoints[i]
		for _, ep := range de.Spec.Endpoints {
			if ep == nil {
				continue
			}
			name := normalizeName(ep.DNSName)
			ix.records[name] = append(ix.records[name], dnsRecord{recordType: strings.ToUpper(ep.RecordType), targets: ep.Targets,
				origin: "DNSEndpoint " + de.Namespace + "/" + de.Name})
		}
	}
	ix.indexTunnels()
	// The objects come in no particular order; the evidence must not.
	for _, rs := range ix.records {
		slices.SortStableFunc(rs, func(a, b dnsRecord) int { return cmp.Compare(a.origin, b.origin) })
	}
	for _, os := range ix.owners {
		slices.SortStableFunc(os, func(a, b addressed) int { return cmp.Compare(a.what, b.what) })
	}
	for _, texts := range ix.forwardedTo {
		slices.Sort(texts)
	}
	return ix
}

// gatewayEvidence reads the evidence of a Gateway's exposure.
func (ix *evidenceIndex) gatewayEvidence(gw *gwv1.Gateway) *evidence {
	ev := &evidence{}
	key := types.NamespacedName{Namespace: gw.Namespace, Name: gw.Name}
	for _, t := range ix.forwardedTo["Gateway/"+key.String()] {
		ev.add(true, t)
	}
	targets := splitList(gw.Annotations[annotationDNSTarget])
	if gw.Spec.Infrastructure != nil {
		targets = append(targets, splitList(string(gw.Spec.Infrastructure.Annotations[annotationDNSTarget]))...)
	}
	proxies := ix.proxies[key]
	for _, svc := range proxies {
		targets = append(targets, splitList(svc.Annotations[annotationDNSTarget])...)
	}
	for _, t := range dedupe(targets) {
		ix.resolve(ev, t, "external-dns target "+t, 0, map[string]bool{})
	}
	addresses := GatewayAddresses(gw)
	for _, svc := range proxies {
		addresses = append(addresses, serviceAddresses(svc)...)
	}
	ix.addresses(ev, dedupe(addresses), proxies)
	return ev
}

// serviceEvidence reads the evidence of a LoadBalancer or NodePort
// Service's exposure.
func (ix *evidenceIndex) serviceEvidence(svc *corev1.Service) *evidence {
	ev := &evidence{}
	for _, t := range ix.forwardedTo["Service/"+svc.Namespace+"/"+svc.Name] {
		ev.add(true, t)
	}
	for _, t := range splitList(svc.Annotations[annotationDNSTarget]) {
		ix.resolve(ev, t, "external-dns target "+t, 0, map[string]bool{})
	}
	ix.addresses(ev, serviceAddresses(svc), []*corev1.Service{svc})
	return ev
}

// addresses classifies addresses; a public address counts for nothing
// when every Service in front admits only private source ranges.
func (ix *evidenceIndex) addresses(ev *evidence, addresses []string, services []*corev1.Service) {
	restricted := len(services) > 0
	for _, svc := range services {
		ranges := svc.Spec.LoadBalancerSourceRanges
		if len(ranges) == 0 || slices.ContainsFunc(ranges, func(r string) bool { return !RangeIsPrivate(r) }) {
			restricted = false
		}
	}
	for _, a := range addresses {
		desc, public, ok := addressKind(a)
		if !ok {
			continue
		}
		if public && restricted {
			ev.other = append(ev.other, fmt.Sprintf("address %s is %s, behind private source ranges", a, desc))
			continue
		}
		ev.add(public, fmt.Sprintf("address %s is %s", a, desc))
	}
	if restricted {
		for _, svc := range services {
			ev.add(false, fmt.Sprintf("Service %s/%s admits only private source ranges (%s)", svc.Namespace, svc.Name,
				strings.Join(svc.Spec.LoadBalancerSourceRanges, ", ")))
		}
	}
}

// resolve follows a DNS name or address the way external-dns publishes it:
// an address is classified; a name under cfargotunnel.com is a Cloudflare
// tunnel; otherwise DNSEndpoint records of the name and objects whose
// hostname annotation names it are followed.
func (ix *evidenceIndex) resolve(ev *evidence, name, via string, depth int, seen map[string]bool) {
	if desc, public, ok := addressKind(name); ok {
		ev.add(public, fmt.Sprintf("%s is %s", via, desc))
		return
	}
	name = normalizeName(name)
	if name == "" || seen[name] || depth > maxDNSDepth {
		return
	}
	seen[name] = true
	if strings.HasSuffix(name, ".cfargotunnel.com") {
		ev.add(true, via+" is a Cloudflare tunnel")
		return
	}
	found := false
	for _, r := range ix.records[name] {
		found = true
		for _, t := range r.targets {
			switch r.recordType {
			case "CNAME":
				ix.resolve(ev, t, fmt.Sprintf("%s (CNAME %s, %s)", via, t, r.origin), depth+1, seen)
			case "A", "AAAA", "":
				if desc, public, ok := addressKind(t); ok {
					ev.add(public, fmt.Sprintf("%s (%s %s, %s) is %s", via, cmp.Or(r.recordType, "A"), t, r.origin, desc))
				}
			}
		}
	}
	for _, o := range ix.owners[name] {
		found = true
		for _, a := range o.addresses {
			if desc, public, ok := addressKind(a); ok {
				ev.add(public, fmt.Sprintf("%s (%s at %s) is %s", via, o.what, a, desc))
			}
		}
	}
	if !found && depth == 0 {
		ev.other = append(ev.other, via+" resolves through no DNSEndpoint or annotated object the inventory read")
	}
}

// GatewayAddresses returns the addresses a Gateway reports in its status,
// else those its spec requests.
func GatewayAddresses(gw *gwv1.Gateway) []string {
	var out []string
	for _, a := range gw.Status.Addresses {
		out = append(out, a.Value)
	}
	if len(out) == 0 {
		for _, a := range gw.Spec.Addresses {
			if a.Value != "" {
				out = append(out, a.Value)
			}
		}
	}
	return out
}

// serviceAddresses are the addresses a Service is reachable at from
// outside the cluster: its load balancer's, the one it requests, and its
// external IPs.
func serviceAddresses(svc *corev1.Service) []string {
	var out []string
	for _, ing := range svc.Status.LoadBalancer.Ingress {
		out = append(out, cmp.Or(ing.IP, ing.Hostname))
	}
	if len(out) == 0 && svc.Spec.LoadBalancerIP != "" {
		out = append(out, svc.Spec.LoadBalancerIP)
	}
	return append(out, svc.Spec.ExternalIPs...)
}

// splitList splits a comma-separated annotation value.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func normalizeName(name string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
}

func dedupe(items []string) []string {
	var out []string
	for _, s := range items {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
