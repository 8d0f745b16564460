// Package report renders a NetworkInventory for people and machines: a
// Markdown document with the sections of a hand-kept network inventory, a
// terminal table, JSON or YAML, and the allowed flows as DOT; and it
// explains, as text, why one hostname, pod or namespace is exposed or
// isolated as it is. Every output format is in one registry (see Format),
// which the plugin's -o flags read. Output is stable: the same inventory
// gives the same bytes.
package report

import (
	"fmt"
	"io"
	"strings"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/markdown"
)

func init() {
	register(Format{Name: "markdown", Aliases: []string{"md", ""}, Description: "the document a platform team commits", Inventory: Markdown})
}

// md writes Markdown, remembering the first write error.
type md struct{ markdown.Writer }

// table writes a Markdown table, "_None._" without rows.
func (m *md) table(header []string, rows [][]string) {
	if len(rows) == 0 {
		m.Printf("_None._\n\n")
		return
	}
	m.Table(header, rows)
	m.Printf("\n")
}

var code, orDash = markdown.Code, markdown.OrDash

// truncatedNote says when a list holds fewer items than exist.
func (m *md) truncatedNote(shown int, b v1alpha1.ListBounds) {
	if b.Truncated {
		m.Printf("_%d of %d shown; raise spec.limits to list more._\n\n", shown, b.Total)
	}
}

// Markdown renders the inventory as a Markdown document.
func Markdown(w io.Writer, ni *v1alpha1.NetworkInventory) error {
	m := &md{markdown.Writer{W: w}}
	st := &ni.Status
	m.Printf("# Network Inventory\n\n")
	m.Printf("Generated from NetworkInventory `%s`", ni.Name)
	if st.LastChangeTime != nil {
		m.Printf(", last changed %s", st.LastChangeTime.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if st.LastRecomputeTime != nil {
		m.Printf(", computed %s", st.LastRecomputeTime.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	m.Printf(". This document is computed from the cluster's objects; edit the objects, not the document.\n\n")
	summary(m, st)
	gateways(m, st)
	endpoints(m, st)
	reachability(m, st)
	securityPolicies(m, st)
	networkPolicies(m, st)
	referenceGrants(m, st)
	coverage(m, st)
	flows(m, st)
	gaps(m, st)
	sources(m, st)
	return m.Err
}

func summary(m *md, st *v1alpha1.NetworkInventoryStatus) {
	s := st.Summary
	m.Printf("| Gateways | Endpoints | Public | Unauthenticated | Namespaces | Not isolated | Critical | High | Medium | Low |\n")
	m.Printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	m.Printf("| %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |\n\n", s.Gateways, s.Endpoints, s.PublicEndpoints,
		s.UnauthenticatedEndpoints, s.Namespaces, s.NotIsolatedNamespaces, s.Findings.Critical, s.Findings.High,
		s.Findings.Medium, s.Findings.Low)
}

func gateways(m *md, st *v1alpha1.NetworkInventoryStatus) {
	m.Printf("## Gateways\n\n")
	var rows [][]string
	for _, g := range st.Gateways.Items {
		var ports []string
		for _, l := range g.Listeners {
			ports = append(ports, fmt.Sprint(l.Port))
		}
		rows = append(rows, []string{code(g.Name), g.Namespace, orDash(strings.Join(g.Addresses, ", ")), string(g.Exposure),
			orDash(g.Purpose), strings.Join(dedupe(ports), ", "), g.Programmed})
	}
	m.table([]string{"Gateway", "Namespace", "Address", "Exposure", "Purpose", "Listeners", "Programmed"}, rows)
	m.truncatedNote(len(st.Gateways.Items), st.Gateways.ListBounds)

	m.Printf("### Traffic Flow\n\n```mermaid\ngraph LR\n")
	for i, g := range st.Gateways.Items {
		source := "LAN[VPN/LAN]"
		if g.Exposure == v1alpha1.ExposurePublic {
			source = "Internet[Internet]"
		}
		gw := fmt.Sprintf("gw%d", i)
		m.Printf("  %s --> %s[\"%s/%s<br/>%s\"]\n", source, gw, g.Namespace, g.Name, strings.Join(g.Addresses, ", "))
		services := map[string]bool{}
		for _, e := range st.Endpoints.Items {
			if e.Gateway != g.Namespace+"/"+g.Name {
				continue
			}
			for _, b := range e.Backends {
				services[b.Namespace+"/"+b.Name] = true
			}
		}
		m.Printf("  %s --> %s_routes[\"%d routes, %d backend Services\"]\n", gw, gw, countRoutes(st, g), len(services))
	}
	m.Printf("```\n\n")
}

func countRoutes(st *v1alpha1.NetworkInventoryStatus, g v1alpha1.GatewayEntry) int {
	routes := map[string]bool{}
	for _, e := range st.Endpoints.Items {
		if e.Gateway == g.Namespace+"/"+g.Name {
			routes[e.Route.Namespace+"/"+e.Route.Name] = true
		}
	}
	return len(routes)
}

func dedupe(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// authText describes an endpoint's authentication in a table cell.
func authText(a v1alpha1.Authentication) string {
	var parts []string
	switch a.Mode {
	case v1alpha1.AuthenticationNone:
		if len(a.Methods) > 0 {
			return "None (" + strings.Join(a.Methods, ", ") + " does not authenticate)"
		}
		if len(a.Rules) > 0 {
			return "**None** on some rules"
		}
		return "**None**"
	case v1alpha1.AuthenticationUnknown:
		parts = append(parts, "Unknown (TLS passthrough)")
	case v1alpha1.AuthenticationOptional:
		parts = append(parts, strings.Join(a.Methods, "+")+" (optional)")
	case v1alpha1.AuthenticationRequired:
		parts = append(parts, strings.Join(a.Methods, "+"))
	}
	if a.Declared != "" {
		parts = append(parts, a.Declared+" (declared)")
	}
	s := strings.Join(parts, ", ")
	if a.Policy != "" {
		s += " via " + code(a.Policy)
	}
	if a.Source != "" && a.Mode != v1alpha1.AuthenticationUnknown {
		s += " (" + a.Source + ")"
	}
	return s
}

func endpointRows(st *v1alpha1.NetworkInventoryStatus, exposure v1alpha1.Exposure) [][]string {
	var rows [][]string
	for _, e := range st.Endpoints.Items {
		if e.Exposure != exposure {
			continue
		}
		host := e.Hostname
		if host == "" {
			host = fmt.Sprintf("%s:%d (%s)", e.Gateway, e.Port, e.Protocol)
		}
		var svc, ns, port []string
		for _, b := range e.Backends {
			name := b.Name
			if !b.Exists {
				name += " (missing)"
			}
			if !b.Permitted {
				name += " (no ReferenceGrant)"
			}
			svc = append(svc, name)
			ns = append(ns, b.Namespace)
			port = append(port, fmt.Sprint(b.Port))
		}
		rows = append(rows, []string{code(host), strings.Join(svc, ", "), strings.Join(dedupe(ns), ", "), strings.Join(port, ", "),
			authText(e.Authentication), orDash(e.Purpose), fmt.Sprintf("%s/%s :%d", e.Gateway, e.Listener, e.Port)})
	}
	return rows
}

func endpoints(m *md, st *v1alpha1.NetworkInventoryStatus) {
	header := []string{"Hostname", "Service", "Namespace", "Port", "Authentication", "Purpose", "Gateway"}
	m.Printf("## Exposed Endpoints\n\n### External Endpoints\n\nReachable from the public internet:\n\n")
	m.table(header, endpointRows(st, v1alpha1.ExposurePublic))
	m.Printf("### Internal Endpoints\n\nReachable from internal networks only:\n\n")
	m.table(header, endpointRows(st, v1alpha1.ExposureInternal))
	m.truncatedNote(len(st.Endpoints.Items), st.Endpoints.ListBounds)

	var lb, np [][]string
	for _, s := range st.Services.Items {
		var ports, nodePorts []string
		for _, p := range s.Ports {
			ports = append(ports, fmt.Sprint(p.Port))
			if p.NodePort != 0 {
				nodePorts = append(nodePorts, fmt.Sprint(p.NodePort))
			}
		}
		if s.Type == "LoadBalancer" {
			lb = append(lb, []string{code(s.Name), s.Namespace, orDash(strings.Join(s.ExternalAddresses, ", ")), strings.Join(ports, ", "),
				string(s.Exposure), orDash(strings.Join(s.SourceRanges, ", ")), orDash(s.Purpose)})
		}
		if len(nodePorts) > 0 {
			np = append(np, []string{code(s.Name), s.Namespace, s.Type, strings.Join(nodePorts, ", "), orDash(s.Purpose)})
		}
	}
	m.Printf("### LoadBalancer Services\n\n")
	m.table([]string{"Service", "Namespace", "External IP", "Ports", "Exposure", "Source Ranges", "Purpose"}, lb)
	m.Printf("### NodePort Services\n\nNodePort Services, and LoadBalancer Services that open node ports too:\n\n")
	m.table([]string{"Service", "Namespace", "Type", "NodePort", "Purpose"}, np)
	m.truncatedNote(len(st.Services.Items), st.Services.ListBounds)
}

// reachability lists, per endpoint, who may connect to its backend pods.
func reachability(m *md, st *v1alpha1.NetworkInventoryStatus) {
	m.Printf("### Who Can Reach the Backends\n\n")
	m.Printf("Who the network policies let connect to each endpoint's backend pods on their target ports: the gateway's proxies, and sources that bypass the gateway and its authentication.\n\n")
	var rows [][]string
	seen := map[string]bool{}
	for _, e := range st.Endpoints.Items {
		r := e.Reachability
		key := e.Hostname + "|" + e.Route.Namespace + "/" + e.Route.Name
		if r == nil || seen[key] {
			continue
		}
		seen[key] = true
		egress := "restricted"
		if r.EgressToWorld {
			egress = "**any**"
		}
		gateway := string(r.Gateway)
		if r.Gateway != v1alpha1.ReachAllowed {
			gateway = "**" + gateway + "**"
		}
		rows = append(rows, []string{orDash(e.Hostname), string(e.Authentication.Mode), fmt.Sprint(r.Pods), gateway,
			orDash(strings.Join(r.Bypass, ", ")), egress})
	}
	if len(rows) == 0 {
		m.Printf("_No endpoint with running backend pods._\n\n")
		return
	}
	m.table([]string{"Hostname", "Authentication", "Pods", "Gateway proxies", "Bypass", "Egress to world"}, rows)
}
