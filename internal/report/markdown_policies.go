package report

import (
	"fmt"
	"net/url"
	"strings"

	"netinventory.io/netinventory/api/v1alpha1"
)

func securityPolicies(m *md, st *v1alpha1.NetworkInventoryStatus) {
	m.Printf("## Security Policies\n\n")
	if len(st.SecurityPolicies.Items) == 0 {
		m.Printf("_None._\n\n")
	}
	for _, p := range st.SecurityPolicies.Items {
		m.Printf("### %s (`%s`)\n\n", strings.Join(p.Methods, ", "), p.Name)
		rows := [][]string{{"**Namespace**", p.Namespace}, {"**Target**", strings.Join(p.Targets, ", ")},
			{"**Protects**", orDash(strings.Join(p.Protects, ", "))}, {"**Accepted**", orDash(p.Accepted)}}
		if p.MergeType != "" {
			rows = append(rows, []string{"**Merge**", p.MergeType})
		}
		if p.Overridden != "" {
			rows = append(rows, []string{"**Overridden**", p.Overridden})
		}
		for _, j := range p.JWTProviders {
			rows = append(rows, []string{"**Issuer**", code(j.Issuer)}, []string{"**JWKS URI**", code(j.JWKSURI)})
		}
		if len(p.JWTProviders) > 0 {
			rows = append(rows, []string{"**Token**", map[bool]string{true: "optional: requests without one pass", false: "required"}[p.JWTOptional]})
		}
		if o := p.OIDC; o != nil {
			rows = append(rows, []string{"**Client ID**", o.ClientID}, []string{"**Provider**", code(o.Issuer)},
				[]string{"**Cookie Domain**", orDash(o.CookieDomain)}, []string{"**Scopes**", orDash(strings.Join(o.Scopes, ", "))})
		}
		m.table([]string{"Field", "Value"}, rows)
		for _, j := range p.JWTProviders {
			if len(j.ClaimToHeaders) == 0 {
				continue
			}
			m.Printf("**Claims Forwarded to Backends** (provider `%s`):\n\n", j.Name)
			var claims [][]string
			byClaim := map[string]int{}
			for _, c := range j.ClaimToHeaders {
				if i, ok := byClaim[c.Claim]; ok {
					claims[i][1] += ", " + c.Header
					continue
				}
				byClaim[c.Claim] = len(claims)
				claims = append(claims, []string{code(c.Claim), c.Header})
			}
			m.table([]string{"Claim", "Header"}, claims)
		}
		if o := p.OIDC; o != nil && (o.AuthorizationEndpoint != "" || o.TokenEndpoint != "") {
			title := "**Authentication Flow:**"
			if o.SplitPath {
				title = "**Authentication Flow (Split-Path):** the browser uses the external endpoint, the gateway the in-cluster one."
			}
			m.Printf("%s\n\n```\nBrowser → authorizationEndpoint (%s): %s\nEnvoy → tokenEndpoint (%s): %s\n```\n\n", title,
				where(o.AuthorizationEndpoint), orDash(o.AuthorizationEndpoint), where(o.TokenEndpoint), orDash(o.TokenEndpoint))
		}
	}
	m.truncatedNote(len(st.SecurityPolicies.Items), st.SecurityPolicies.ListBounds)
}

// where says whether a URL is in-cluster or external.
func where(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return "unknown"
	}
	h := u.Hostname()
	if strings.HasSuffix(h, ".svc") || strings.Contains(h, ".svc.") || strings.HasSuffix(h, ".cluster.local") || !strings.Contains(h, ".") {
		return "internal"
	}
	return "external"
}

func selectorText(s string) string {
	if s == "" {
		return "(namespace-wide)"
	}
	return code(s)
}

func networkPolicies(m *md, st *v1alpha1.NetworkInventoryStatus) {
	m.Printf("## Network Policies\n\n")
	var cnp, ccnp, host, np [][]string
	for _, p := range st.NetworkPolicies.Items {
		types := orDash(strings.Join(p.PolicyTypes, ", "))
		deny := denyRules(p)
		switch {
		case p.Kind == "CiliumNetworkPolicy":
			cnp = append(cnp, []string{p.Namespace, code(p.Name), selectorText(p.Selector), orDash(p.Description), types, deny, fmt.Sprint(p.SelectedPods), p.Valid})
		case p.Kind == "CiliumClusterwideNetworkPolicy" && p.HostPolicy:
			host = append(host, []string{code(p.Name), code(p.Selector), orDash(p.Description), fmt.Sprint(p.IngressRules), fmt.Sprint(p.EgressRules), deny, p.Valid})
		case p.Kind == "CiliumClusterwideNetworkPolicy":
			ccnp = append(ccnp, []string{code(p.Name), selectorText(p.Selector), orDash(p.Description), types, deny, fmt.Sprint(p.SelectedPods), p.Valid})
		default:
			np = append(np, []string{p.Namespace, code(p.Name), selectorText(p.Selector), types, fmt.Sprint(p.SelectedPods)})
		}
	}
	m.Printf("### CiliumNetworkPolicies\n\n")
	m.table([]string{"Namespace", "Name", "Selector", "Description", "Default Deny", "Deny rules (in/out)", "Pods", "Valid"}, cnp)
	if len(ccnp) > 0 {
		m.Printf("### CiliumClusterwideNetworkPolicies\n\n")
		m.table([]string{"Name", "Selector", "Description", "Default Deny", "Deny rules (in/out)", "Pods", "Valid"}, ccnp)
	}
	if len(host) > 0 {
		m.Printf("### Host Policies\n\n")
		m.Printf("Clusterwide policies with a nodeSelector guard the nodes themselves, not pods: they count in no namespace's coverage.\n\n")
		m.table([]string{"Name", "Node selector", "Description", "Ingress rules", "Egress rules", "Deny rules (in/out)", "Valid"}, host)
	}
	m.Printf("### Kubernetes NetworkPolicies\n\n")
	m.table([]string{"Namespace", "Name", "Selector", "Policy Types", "Pods"}, np)
	m.truncatedNote(len(st.NetworkPolicies.Items), st.NetworkPolicies.ListBounds)
}

// denyRules shows a Cilium policy's deny rule counts, ingress/egress.
func denyRules(p v1alpha1.NetworkPolicyEntry) string {
	if p.IngressDenyRules == 0 && p.EgressDenyRules == 0 {
		return "-"
	}
	return fmt.Sprintf("%d / %d", p.IngressDenyRules, p.EgressDenyRules)
}

func referenceGrants(m *md, st *v1alpha1.NetworkInventoryStatus) {
	m.Printf("## ReferenceGrants\n\n")
	var rows [][]string
	for _, g := range st.ReferenceGrants.Items {
		var from, to []string
		for _, f := range g.From {
			from = append(from, fmt.Sprintf("%s in %s", f.Kind, f.Namespace))
		}
		for _, t := range g.To {
			s := t.Kind
			if t.Name != "" {
				s += " " + t.Name
			}
			to = append(to, s)
		}
		rows = append(rows, []string{g.Namespace, code(g.Name), orDash(g.Purpose), strings.Join(from, ", "), strings.Join(to, ", "), fmt.Sprint(g.References)})
	}
	m.table([]string{"Namespace", "Name", "Purpose", "From", "To", "References"}, rows)
	m.truncatedNote(len(st.ReferenceGrants.Items), st.ReferenceGrants.ListBounds)
}

// coverageText names a coverage state as the hand-kept document would.
var coverageText = map[v1alpha1.CoverageState]string{
	v1alpha1.CoverageCovered:             "Covered",
	v1alpha1.CoveragePartial:             "Partially Covered",
	v1alpha1.CoverageSelectedNotIsolated: "Selected, not isolated",
	v1alpha1.CoverageDefaultDeny:         "Covered (default deny)",
	v1alpha1.CoverageHostNetworkOnly:     "Host network only",
	v1alpha1.CoverageNone:                "**No Policies**",
	v1alpha1.CoverageEmpty:               "Empty",
}

func coverage(m *md, st *v1alpha1.NetworkInventoryStatus) {
	m.Printf("## Coverage Analysis\n\n### Pods per Namespace\n\n")
	var rows [][]string
	for _, ns := range st.Namespaces.Items {
		rows = append(rows, []string{ns.Name, fmt.Sprint(ns.Pods), fmt.Sprint(ns.HostNetworkPods), fmt.Sprint(ns.CiliumPolicies),
			fmt.Sprint(ns.NetworkPolicies), fmt.Sprintf("%d / %d", ns.IsolatedIngress, ns.IsolatedEgress), coverageText[ns.Coverage],
			string(ns.Priority)})
	}
	m.table([]string{"Namespace", "Running Pods", "hostNetwork", "CNP Count", "NP Count", "Isolated (in / out)", "Status", "Priority"}, rows)
	m.Printf("Pods on the host network are not subject to pod policies: they are counted apart, neither covered nor uncovered.\n\n")
	m.truncatedNote(len(st.Namespaces.Items), st.Namespaces.ListBounds)
}

func flows(m *md, st *v1alpha1.NetworkInventoryStatus) {
	m.Printf("### Internal Service Communication\n\n")
	m.Printf("What the network policies' rules allow (or, for Cilium deny rules, forbid), by namespace and app, with the HTTP and DNS rules a flow is restricted to. This is what policy says, not observed traffic.\n\n")
	if len(st.Flows.Items) == 0 {
		m.Printf("_No allow rules._\n\n")
		return
	}
	m.Printf("```mermaid\n")
	m.Err = firstErr(m.Err, Mermaid(m.W, st.Flows.Items))
	m.Printf("```\n\n")
	var rows [][]string
	for _, f := range st.Flows.Items {
		verdict := "allow"
		if f.Action == v1alpha1.FlowDeny {
			verdict = "**deny**"
		}
		ports := strings.Join(f.Ports, ", ")
		if ports == "" {
			ports = "any"
		}
		rows = append(rows, []string{f.From, f.To, ports, orDash(strings.Join(f.L7, "; ")), verdict,
			strings.Join(f.Policies, ", ")})
	}
	m.table([]string{"From", "To", "Ports", "L7 rules", "Verdict", "Policies"}, rows)
	m.truncatedNote(len(st.Flows.Items), st.Flows.ListBounds)
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func gaps(m *md, st *v1alpha1.NetworkInventoryStatus) {
	m.Printf("## Gaps and Recommendations\n\n")
	for _, p := range v1alpha1.Priorities {
		m.Printf("### %s\n\n", map[v1alpha1.Priority]string{v1alpha1.PriorityCritical: "Critical Gaps", v1alpha1.PriorityHigh: "High Priority",
			v1alpha1.PriorityMedium: "Medium Priority", v1alpha1.PriorityLow: "Low Priority"}[p])
		n := 0
		for _, f := range st.Findings.Items {
			if f.Priority != p || f.Acknowledged {
				continue
			}
			n++
			m.Printf("%d. **%s** (%s) - %s\n", n, f.Subject, f.Rule, f.Message)
			if f.Recommendation != "" {
				m.Printf("   - Recommendation: %s\n", f.Recommendation)
			}
		}
		if n == 0 {
			m.Printf("_None._\n")
		}
		m.Printf("\n")
	}
	var acked [][]string
	for _, f := range st.Findings.Items {
		if f.Acknowledged {
			until := "no expiry"
			if f.AcknowledgedUntil != nil {
				until = f.AcknowledgedUntil.UTC().Format("2006-01-02")
			}
			acked = append(acked, []string{string(f.Priority), f.Rule, f.Subject, f.AcknowledgedReason, until})
		}
	}
	if len(acked) > 0 {
		m.Printf("### Acknowledged\n\n")
		m.table([]string{"Priority", "Rule", "Subject", "Reason", "Until"}, acked)
	}
	m.truncatedNote(len(st.Findings.Items), st.Findings.ListBounds)
}

func sources(m *md, st *v1alpha1.NetworkInventoryStatus) {
	m.Printf("## Sources\n\n")
	var rows [][]string
	for _, s := range st.Sources {
		avail := fmt.Sprintf("%d read (%s)", s.Count, s.Version)
		if !s.Available {
			avail = "**not served** (CRD not installed)"
		}
		kind := s.Kind
		if s.Group != "" {
			kind += "." + s.Group
		}
		rows = append(rows, []string{kind, avail})
	}
	m.table([]string{"Kind", "Objects"}, rows)
	var conds [][]string
	for _, c := range st.Conditions {
		conds = append(conds, []string{c.Type, string(c.Status), c.Reason, c.Message})
	}
	m.Printf("### Conditions\n\n")
	m.table([]string{"Type", "Status", "Reason", "Message"}, conds)
}
