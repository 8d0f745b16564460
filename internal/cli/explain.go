package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/snapshot"
)

func newExplainCommand(flags *genericclioptions.ConfigFlags, streams Streams) *cobra.Command {
	var files, sets []string
	var skip bool
	cmd := &cobra.Command{
		Use:   "explain HOSTNAME|NAMESPACE/POD|NAMESPACE",
		Short: "Explain why a hostname is exposed and guarded, or a pod or namespace isolated, as it is",
		Long: "Runs the engine on the cluster's objects (or on manifests with -f) and explains one subject: for a hostname, " +
			"the gateway, listener and route that expose it and the SecurityPolicy that applies, by precedence; for a pod or " +
			"namespace, which policies select it and whether it is isolated, per direction.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var md *model.Model
			if len(files) > 0 {
				vars, err := parseSets(sets)
				if err != nil {
					return err
				}
				res, _, err := audit(streams, files, loadOptions{vars: vars, skipUnreadable: skip})
				if err != nil {
					return err
				}
				md = res.Model
			} else {
				c, err := clusterClient(flags)
				if err != nil {
					return err
				}
				snap, err := snapshot.FromCluster(withContext(cmd), c)
				if err != nil {
					return err
				}
				spec := &v1alpha1.NetworkInventorySpec{}
				if ni, err := getInventory(cmd, c, nil); err == nil {
					spec = &ni.Spec
				}
				res, err := inventory.Compute(snap, spec, time.Now())
				if err != nil {
					return err
				}
				md = res.Model
			}
			return Explain(streams.Out, md, args[0])
		},
	}
	cmd.Flags().StringArrayVarP(&files, "filename", "f", nil, "explain from manifests instead of the cluster")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "VAR=value for a ${VAR} placeholder in the manifests")
	skipUnreadableFlag(cmd, &skip)
	return cmd
}

// Explain writes why a subject (hostname, namespace/pod or namespace) is
// exposed or isolated as it is.
func Explain(w io.Writer, md *model.Model, subject string) error {
	e := &explainer{w: w, md: md}
	switch {
	case strings.Contains(subject, "/"):
		ns, pod, _ := strings.Cut(subject, "/")
		e.pod(ns, pod)
	case e.isNamespace(subject):
		e.namespace(subject)
	default:
		e.hostname(subject)
	}
	if e.err == nil && !e.found {
		return errorf(1, "%s: no endpoint, namespace or pod of that name in the inventory", subject)
	}
	return e.err
}

type explainer struct {
	w     io.Writer
	md    *model.Model
	err   error
	found bool
}

func (e *explainer) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

func (e *explainer) isNamespace(name string) bool {
	for _, ns := range e.md.Namespaces {
		if ns.Name == name {
			return true
		}
	}
	return false
}

func (e *explainer) gateway(name string) *v1alpha1.GatewayEntry {
	for i := range e.md.Gateways {
		if g := &e.md.Gateways[i]; g.Namespace+"/"+g.Name == name {
			return g
		}
	}
	return nil
}

func (e *explainer) hostname(host string) {
	for _, ep := range e.md.Endpoints {
		if ep.Hostname != host {
			continue
		}
		e.found = true
		e.printf("%s is exposed on port %d (%s) of gateway %s, listener %s.\n", host, ep.Port, ep.Protocol, ep.Gateway, ep.Listener)
		if g := e.gateway(ep.Gateway); g != nil {
			e.printf("  The gateway is %s (decided by %s), addresses %s.\n", g.Exposure, g.ExposureSource, strings.Join(g.Addresses, ", "))
			for _, l := range g.Listeners {
				if l.Name == ep.Listener {
					e.printf("  Listener %s: hostname %q, routes allowed from %s namespaces, kinds %s.\n", l.Name, l.Hostname,
						l.AllowedNamespaces, strings.Join(l.AllowedKinds, ", "))
				}
			}
		}
		e.printf("  Route %s %s/%s attaches to it and forwards to:\n", ep.Route.Kind, ep.Route.Namespace, ep.Route.Name)
		for _, b := range ep.Backends {
			e.printf("    %s %s/%s port %d (exists: %v, permitted: %v)\n", b.Kind, b.Namespace, b.Name, b.Port, b.Exists, b.Permitted)
		}
		a := ep.Authentication
		switch {
		case a.Policy != "":
			e.printf("  Authentication %s: %s from SecurityPolicy %s attached at the %s level", a.Mode, strings.Join(a.Methods, ", "), a.Policy, a.AttachedAt)
			if a.MergedWith != "" {
				e.printf(", merged into %s", a.MergedWith)
			}
			e.printf(" (route rule > route > listener > gateway; the most specific replaces the rest; the oldest wins a tie).\n")
		default:
			e.printf("  Authentication %s: no SecurityPolicy applies at the route rule, route, listener or gateway level.\n", a.Mode)
		}
		if a.Declared != "" {
			e.printf("  The route or its Service declares %q (netinventory.io/authentication).\n", a.Declared)
		}
		for _, p := range e.md.SecurityPolicies {
			for _, o := range p.OverriddenFor {
				if strings.HasSuffix(o, " "+ep.Route.Namespace+"/"+ep.Route.Name) && strings.HasPrefix(o, ep.Gateway+"/") {
					e.printf("  SecurityPolicy %s/%s would apply too, but the more specific one replaces it.\n", p.Namespace, p.Name)
				}
			}
		}
	}
	if e.found {
		return
	}
	for _, p := range e.md.RouteProblems {
		e.printf("%s %s/%s (parent %s) exposes nothing: %s: %s\n", p.Route.Kind, p.Route.Namespace, p.Route.Name, p.Parent, p.Reason, p.Message)
	}
}

func direction(d int) string { return []string{"ingress", "egress"}[d] }

func (e *explainer) pod(namespace, name string) {
	for _, p := range e.md.Pods {
		if p.Namespace != namespace || p.Name != name {
			continue
		}
		e.found = true
		if p.HostNetwork {
			e.printf("%s/%s runs on the host network: pod policies do not apply to it; it counts neither as covered nor uncovered.\n", namespace, name)
			return
		}
		if len(p.SelectedBy) == 0 {
			e.printf("%s/%s: no policy selects it; it is not isolated in either direction.\n", namespace, name)
			return
		}
		e.printf("%s/%s is selected by:\n", namespace, name)
		for _, i := range p.SelectedBy {
			pol := e.md.NetworkPolicies[i]
			e.printf("  %s %s (selector %q, default deny for: %s)\n", pol.Kind, strings.TrimPrefix(pol.Namespace+"/"+pol.Name, "/"),
				pol.Selector, orNone(strings.Join(pol.PolicyTypes, ", ")))
		}
		for d := range 2 {
			switch {
			case p.Isolated[d]:
				e.printf("  %s: isolated: only what the selecting policies allow gets through.\n", direction(d))
			case p.DefaultDeny[d]:
				e.printf("  %s: not isolated: a selecting policy allows everything in this direction.\n", direction(d))
			default:
				e.printf("  %s: not isolated: no selecting policy has rules for this direction (or enableDefaultDeny is false).\n", direction(d))
			}
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (e *explainer) namespace(name string) {
	for _, ns := range e.md.Namespaces {
		if ns.Name != name {
			continue
		}
		e.found = true
		e.printf("Namespace %s: %s, priority %s (%s).\n", name, ns.Coverage, ns.Priority, ns.PriorityReason)
		e.printf("  %d running pods (%d on the host network), %d isolated for ingress, %d for egress; %d CiliumNetworkPolicies, %d NetworkPolicies.\n",
			ns.Pods, ns.HostNetworkPods, ns.IsolatedIngress, ns.IsolatedEgress, ns.CiliumPolicies, ns.NetworkPolicies)
		for _, p := range e.md.Pods {
			if p.Namespace != name || p.HostNetwork {
				continue
			}
			state := []string{"-", "-"}
			for d := range 2 {
				if p.Isolated[d] {
					state[d] = "isolated"
				}
			}
			e.printf("  pod %s: ingress %s, egress %s, selected by %d policies\n", p.Name, state[0], state[1], len(p.SelectedBy))
		}
	}
}
