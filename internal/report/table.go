package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"sigs.k8s.io/yaml"

	"netinventory.io/netinventory/api/v1alpha1"
)

func init() {
	register(Format{Name: "table", Description: "summary, endpoints, namespaces and open findings for a terminal", Inventory: Table})
	register(Format{Name: "json", Description: "the NetworkInventory object as JSON", Inventory: JSON})
	register(Format{Name: "yaml", Description: "the NetworkInventory object as YAML", Inventory: YAML})
}

// Table renders the inventory for a terminal: summary, endpoints,
// namespaces and open findings.
func Table(w io.Writer, ni *v1alpha1.NetworkInventory) error {
	st := &ni.Status
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	s := st.Summary
	fmt.Fprintf(tw, "INVENTORY\tGATEWAYS\tENDPOINTS\tPUBLIC\tUNAUTHENTICATED\tNAMESPACES\tUNCOVERED\tCRITICAL\tHIGH\tMEDIUM\tLOW\n")
	fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n\n", ni.Name, s.Gateways, s.Endpoints, s.PublicEndpoints,
		s.UnauthenticatedEndpoints, s.Namespaces, s.NotIsolatedNamespaces, s.Findings.Critical, s.Findings.High, s.Findings.Medium, s.Findings.Low)
	fmt.Fprintf(tw, "HOSTNAME\tEXPOSURE\tGATEWAY\tPORT\tBACKEND\tAUTHENTICATION\n")
	for _, e := range st.Endpoints.Items {
		var backends []string
		for _, b := range e.Backends {
			backends = append(backends, fmt.Sprintf("%s/%s:%d", b.Namespace, b.Name, b.Port))
		}
		auth := string(e.Authentication.Mode)
		if m := strings.Join(e.Authentication.Methods, "+"); m != "" {
			auth += " " + m
		}
		if e.Authentication.Declared != "" {
			auth += " (" + e.Authentication.Declared + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", orDash(e.Hostname), e.Exposure, e.Gateway, e.Port, strings.Join(backends, ","), auth)
	}
	fmt.Fprintf(tw, "\nNAMESPACE\tPODS\tHOSTNETWORK\tCNP\tNP\tISOLATED-IN\tISOLATED-OUT\tCOVERAGE\tPRIORITY\n")
	for _, ns := range st.Namespaces.Items {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", ns.Name, ns.Pods, ns.HostNetworkPods, ns.CiliumPolicies, ns.NetworkPolicies,
			ns.IsolatedIngress, ns.IsolatedEgress, ns.Coverage, ns.Priority)
	}
	fmt.Fprintf(tw, "\nPRIORITY\tRULE\tSUBJECT\tMESSAGE\n")
	for _, f := range st.Findings.Items {
		if !f.Acknowledged {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Priority, f.Rule, f.Subject, f.Message)
		}
	}
	return tw.Flush()
}

// JSON renders the NetworkInventory object as indented JSON.
func JSON(w io.Writer, ni *v1alpha1.NetworkInventory) error {
	data, err := json.MarshalIndent(withKind(ni), "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// YAML renders the NetworkInventory object as YAML.
func YAML(w io.Writer, ni *v1alpha1.NetworkInventory) error {
	data, err := yaml.Marshal(withKind(ni))
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// withKind returns the object with its apiVersion and kind set and its
// managed fields dropped.
func withKind(ni *v1alpha1.NetworkInventory) *v1alpha1.NetworkInventory {
	c := ni.DeepCopy()
	c.APIVersion, c.Kind = v1alpha1.GroupVersion.String(), "NetworkInventory"
	c.ManagedFields = nil
	return c
}
