package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"netinventory.io/netinventory/api/v1alpha1"
)

func init() {
	register(Format{Name: "dot", Description: "the flows the policies allow, as a Graphviz graph", Inventory: func(w io.Writer, ni *v1alpha1.NetworkInventory) error {
		return DOT(w, ni.Status.Flows.Items)
	}})
}

// nodeIDs gives every flow end a stable identifier.
func nodeIDs(flows []v1alpha1.FlowEntry) (map[string]string, []string) {
	set := map[string]bool{}
	for _, f := range flows {
		set[f.From], set[f.To] = true, true
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	ids := make(map[string]string, len(names))
	for i, n := range names {
		ids[n] = fmt.Sprintf("n%d", i)
	}
	return ids, names
}

func portsLabel(f v1alpha1.FlowEntry) string {
	label := "any port"
	if len(f.Ports) > 0 {
		label = strings.Join(f.Ports, ", ")
	}
	if len(f.L7) > 0 {
		label += " (" + strings.Join(f.L7, "; ") + ")"
	}
	if f.Action == v1alpha1.FlowDeny {
		label = "DENY " + label
	}
	return label
}

// Mermaid draws the flows as a Mermaid graph, grouped by namespace.
func Mermaid(w io.Writer, flows []v1alpha1.FlowEntry) error {
	ids, names := nodeIDs(flows)
	var b strings.Builder
	b.WriteString("graph LR\n")
	byNamespace := map[string][]string{}
	var others []string
	for _, n := range names {
		if ns, _, ok := strings.Cut(n, "/"); ok && !strings.Contains(n, ":") {
			byNamespace[ns] = append(byNamespace[ns], n)
		} else {
			others = append(others, n)
		}
	}
	namespaces := make([]string, 0, len(byNamespace))
	for ns := range byNamespace {
		namespaces = append(namespaces, ns)
	}
	sort.Strings(namespaces)
	for i, ns := range namespaces {
		fmt.Fprintf(&b, "  subgraph ns%d[\"%s\"]\n", i, ns)
		for _, n := range byNamespace[ns] {
			_, app, _ := strings.Cut(n, "/")
			fmt.Fprintf(&b, "    %s[\"%s\"]\n", ids[n], mermaidText(app))
		}
		b.WriteString("  end\n")
	}
	for _, n := range others {
		fmt.Fprintf(&b, "  %s([\"%s\"])\n", ids[n], mermaidText(n))
	}
	for _, f := range flows {
		fmt.Fprintf(&b, "  %s -->|\"%s\"| %s\n", ids[f.From], mermaidText(portsLabel(f)), ids[f.To])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mermaidText(s string) string { return strings.ReplaceAll(s, `"`, "'") }

// DOT draws the flows as a Graphviz graph.
func DOT(w io.Writer, flows []v1alpha1.FlowEntry) error {
	ids, names := nodeIDs(flows)
	var b strings.Builder
	b.WriteString("// What the network policies allow, not observed traffic.\ndigraph flows {\n  rankdir=LR;\n  node [shape=box];\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %s [label=%q];\n", ids[n], n)
	}
	for _, f := range flows {
		fmt.Fprintf(&b, "  %s -> %s [label=%q];\n", ids[f.From], ids[f.To], portsLabel(f))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
