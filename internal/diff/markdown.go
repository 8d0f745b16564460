package diff

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/markdown"
)

// Markdown writes the changes for a pull-request comment: the summary on
// the first line, then a table per kind of change. Without changes it is
// that one line.
func Markdown(w io.Writer, c *Changes) error {
	m := &writer{markdown.Writer{W: w}}
	m.Printf("**Network inventory:** %s.\n", Summary(c))
	if !c.Empty() {
		findingsTable(m, c.Findings)
		endpointsTable(m, c.Endpoints)
		gatewaysTable(m, c.Gateways)
		servicesTable(m, c.Services)
		namespacesTable(m, c.Namespaces)
	}
	if len(c.Notes) > 0 {
		m.Printf("\n")
		for _, n := range c.Notes {
			m.Printf("> Note: %s.\n", n)
		}
	}
	return m.Err
}

// writer writes Markdown, remembering the first error.
type writer struct{ markdown.Writer }

// table writes a titled table, nothing without rows.
func (m *writer) table(title string, header []string, rows [][]string) {
	if len(rows) == 0 {
		return
	}
	m.Printf("\n#### %s\n\n", title)
	m.Table(header, rows)
}

var code, orDash = markdown.Code, markdown.OrDash

// arrow shows a value before and after, the new one in bold when the
// change is for the worse; the value alone when it did not change.
func arrow(before, after string, worse bool) string {
	if before == after {
		return after
	}
	if worse {
		after = "**" + after + "**"
	}
	return before + " → " + after
}

// authText describes an authentication in a table cell.
func authText(mode v1alpha1.AuthenticationMode, methods []string, policy, declared, source string) string {
	var s string
	switch mode {
	case v1alpha1.AuthenticationNone:
		s = "None"
		if len(methods) > 0 {
			s += " (" + strings.Join(methods, "+") + " does not authenticate)"
		}
	case v1alpha1.AuthenticationUnknown:
		s = "Unknown (TLS passthrough)"
	case v1alpha1.AuthenticationOptional:
		s = strings.Join(methods, "+") + " (optional)"
	case v1alpha1.AuthenticationDeclared:
		s = declared + " (declared)"
		declared = ""
	default:
		s = orDash(strings.Join(methods, "+"))
	}
	if declared != "" {
		s += ", " + declared + " (declared)"
	}
	if policy != "" {
		s += " via " + code(policy)
	}
	if source != "" && mode != v1alpha1.AuthenticationUnknown {
		s += " (" + source + ")"
	}
	return s
}

func endpointAuth(a v1alpha1.Authentication) string {
	s := authText(a.Mode, a.Methods, a.Policy, a.Declared, a.Source)
	if a.Mode == v1alpha1.AuthenticationNone && len(a.Rules) > 0 {
		s += " on some rules"
	}
	return s
}

func ruleAuth(r *v1alpha1.RuleAuthentication) string {
	if r == nil {
		return "no such rule"
	}
	return authText(r.Mode, r.Methods, r.Policy, "", "")
}

func findingsTable(m *writer, fs []FindingChange) {
	var rows [][]string
	for _, f := range fs {
		change := strings.ToLower(string(f.Change))
		priority := string(f.Priority)
		switch f.Change {
		case Opened, Reopened:
			priority = "**" + priority + "**"
		case Raised:
			priority = arrow(string(f.BasePriority), priority, true)
		case Lowered:
			priority = arrow(string(f.BasePriority), priority, false)
		}
		msg := ""
		switch {
		case f.Head != nil:
			msg = f.Head.Message
			if f.Change == Acknowledged {
				msg += " (acknowledged: " + orDash(f.Head.AcknowledgedReason)
				if f.Head.AcknowledgedUntil != nil {
					msg += ", until " + f.Head.AcknowledgedUntil.UTC().Format("2006-01-02")
				}
				msg += ")"
			}
		default:
			msg = f.Base.Message
			if f.Base.Acknowledged {
				change += " (was acknowledged)"
			}
		}
		rows = append(rows, []string{change, priority, f.Rule, code(f.Subject), msg})
	}
	m.table("Findings", []string{"Change", "Priority", "Rule", "Subject", "Message"}, rows)
}

func hostText(e *v1alpha1.EndpointEntry) string {
	if e.Hostname == "" {
		return fmt.Sprintf("any host (%s)", e.Protocol)
	}
	return code(e.Hostname)
}

func gatewayText(e *v1alpha1.EndpointEntry) string {
	return fmt.Sprintf("%s/%s :%d", e.Gateway, e.Listener, e.Port)
}

func routeText(r v1alpha1.ObjectRef) string {
	return r.Kind + " " + code(r.Namespace+"/"+r.Name)
}

func endpointsTable(m *writer, es []EndpointChange) {
	var rows [][]string
	for i := range es {
		e := &es[i]
		change := words(endpointPhrases(e))
		var row []string
		switch e.Change {
		case Added:
			row = []string{change, hostText(e.Head), gatewayText(e.Head), routeText(e.Head.Route), string(e.Head.Exposure), endpointAuth(e.Head.Authentication)}
		case Removed:
			row = []string{change, hostText(e.Base), gatewayText(e.Base), routeText(e.Base.Route), string(e.Base.Exposure), endpointAuth(e.Base.Authentication)}
		default:
			_, authEffect := e.authentication()
			auth := arrow(endpointAuth(e.Base.Authentication), endpointAuth(e.Head.Authentication), authEffect == Worse)
			for _, r := range e.Rules {
				label := "rule " + code(r.Rule)
				if strings.HasPrefix(r.Rule, "rule ") {
					label = r.Rule
				}
				if len(r.Paths) > 0 {
					label += " (" + strings.Join(r.Paths, ", ") + ")"
				}
				worse := r.Base != nil && r.Head != nil && r.Head.Mode.Rank() < r.Base.Mode.Rank()
				auth += "; " + label + ": " + arrow(ruleAuth(r.Base), ruleAuth(r.Head), worse)
			}
			row = []string{change, hostText(e.Head), arrow(gatewayText(e.Base), gatewayText(e.Head), false), routeText(e.Head.Route),
				arrow(string(e.Base.Exposure), string(e.Head.Exposure), e.Head.Exposure == v1alpha1.ExposurePublic), auth}
			if slices.Contains(e.Fields, FieldBackends) {
				row[3] += ": " + arrow(strings.Join(backendsText(e.Base.Backends), ", "), strings.Join(backendsText(e.Head.Backends), ", "), false)
			}
		}
		rows = append(rows, row)
	}
	m.table("Endpoints", []string{"Change", "Hostname", "Gateway", "Route", "Exposure", "Authentication"}, rows)
}

func gatewaysTable(m *writer, gs []GatewayChange) {
	var rows [][]string
	for i := range gs {
		g := &gs[i]
		exposure := ""
		switch g.Change {
		case Added:
			exposure = string(g.Head.Exposure)
		case Removed:
			exposure = string(g.Base.Exposure)
		default:
			exposure = arrow(string(g.Base.Exposure), string(g.Head.Exposure), g.Effect == Worse)
		}
		rows = append(rows, []string{words(gatewayPhrases(g)), code(g.Key), exposure})
	}
	m.table("Gateways", []string{"Change", "Gateway", "Exposure"}, rows)
}

func servicesTable(m *writer, ss []ServiceChange) {
	var rows [][]string
	for i := range ss {
		s := &ss[i]
		cells := func(e *v1alpha1.ServiceEntry) []string {
			return []string{e.Type, string(e.Exposure), strings.Join(portsText(e.Ports), ", "), orDash(strings.Join(e.SourceRanges, ", "))}
		}
		var vals []string
		switch s.Change {
		case Added:
			vals = cells(s.Head)
		case Removed:
			vals = cells(s.Base)
		default:
			b, h := cells(s.Base), cells(s.Head)
			vals = []string{arrow(b[0], h[0], false), arrow(b[1], h[1], s.Head.Exposure == v1alpha1.ExposurePublic), arrow(b[2], h[2], false),
				arrow(b[3], h[3], len(s.Head.SourceRanges) == 0)}
		}
		rows = append(rows, append([]string{words(servicePhrases(s)), code(s.Key)}, vals...))
	}
	m.table("LoadBalancer and NodePort Services", []string{"Change", "Service", "Type", "Exposure", "Ports", "Source ranges"}, rows)
}

// isolatedText is "2/3" pods isolated, "-" without pods.
func isolatedText(n *v1alpha1.NamespaceEntry, isolated int32) string {
	if pods := n.Pods - n.HostNetworkPods; pods > 0 {
		return fmt.Sprintf("%d/%d", isolated, pods)
	}
	return "-"
}

func namespacesTable(m *writer, ns []NamespaceChange) {
	var rows [][]string
	for i := range ns {
		n := &ns[i]
		cells := func(e *v1alpha1.NamespaceEntry) []string {
			return []string{string(e.Coverage), isolatedText(e, e.IsolatedIngress), isolatedText(e, e.IsolatedEgress), string(e.Priority)}
		}
		var vals []string
		switch n.Change {
		case Added:
			vals = cells(n.Head)
		case Removed:
			vals = cells(n.Base)
		default:
			b, h := cells(n.Base), cells(n.Head)
			worse := n.Effect == Worse
			vals = []string{arrow(b[0], h[0], worse), arrow(b[1], h[1], worse && isolationLevel(n.Head, n.Head.IsolatedIngress) < isolationLevel(n.Base, n.Base.IsolatedIngress)),
				arrow(b[2], h[2], worse && isolationLevel(n.Head, n.Head.IsolatedEgress) < isolationLevel(n.Base, n.Base.IsolatedEgress)), h[3]}
		}
		rows = append(rows, append([]string{namespacePhrase(n).one, code(n.Key)}, vals...))
	}
	m.table("Namespaces", []string{"Change", "Namespace", "Coverage", "Isolated ingress", "Isolated egress", "Priority"}, rows)
}
