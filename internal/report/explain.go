package report

import (
	"fmt"
	"io"
	"strings"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory/model"
)

func init() {
	register(Format{Name: "text", Description: "sentences for a person", Explanation: explainText})
}

// explainText writes, in sentences, why a subject (hostname, namespace/pod
// or namespace) is exposed or isolated as it is.
func explainText(w io.Writer, md *model.Model, subject string) error {
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
		return fmt.Errorf("%s: %w", subject, ErrUnknownSubject)
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
			for _, ev := range g.ExposureEvidence {
				e.printf("    evidence: %s\n", ev)
			}
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
		if ep.ExposureNote != "" {
			e.printf("  The endpoint is %s: %s.\n", ep.Exposure, ep.ExposureNote)
		}
		a := ep.Authentication
		switch {
		case len(a.Rules) > 0 && a.Policy == "" && a.Source == "":
			e.printf("  Authentication %s: the route's rules are guarded differently, and the weakest decides; per rule:\n", a.Mode)
		case a.Source != "" && a.Policy == "":
			e.printf("  Authentication %s: %s from %s.\n", a.Mode, strings.Join(a.Methods, ", "), a.Source)
		case a.Policy != "":
			e.printf("  Authentication %s: %s from SecurityPolicy %s attached at the %s level", a.Mode, strings.Join(a.Methods, ", "), a.Policy, a.AttachedAt)
			if a.MergedWith != "" {
				e.printf(", merged into %s", a.MergedWith)
			}
			e.printf(" (route rule > route > listener > gateway; the most specific replaces the rest; the oldest wins a tie).\n")
		default:
			e.printf("  Authentication %s: no SecurityPolicy applies at the route rule, route, listener or gateway level.\n", a.Mode)
		}
		if a.Source != "" && a.Policy != "" {
			e.printf("  Also: %s.\n", a.Source)
		}
		for _, r := range a.Rules {
			guard := "open"
			if r.Mode != v1alpha1.AuthenticationNone {
				guard = string(r.Mode) + " (" + strings.Join(r.Methods, ", ")
				if r.Policy != "" {
					guard += " from " + r.Policy
				}
				guard += ")"
			}
			e.printf("    %s, paths %s: %s\n", r.Rule, strings.Join(r.Paths, ", "), guard)
		}
		if a.Declared != "" {
			e.printf("  The route or its Service declares %q (netinventory.io/authentication).\n", a.Declared)
		}
		e.reachability(ep.Reachability)
		for _, p := range e.md.SecurityPolicies {
			for _, o := range p.OverriddenFor {
				if o.GatewayName() == ep.Gateway && o.Route.Namespace == ep.Route.Namespace && o.Route.Name == ep.Route.Name {
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

// reachability tells who may connect to an endpoint's backend pods.
func (e *explainer) reachability(r *v1alpha1.EndpointReachability) {
	if r == nil {
		e.printf("  Reachability: no running backend pod was found.\n")
		return
	}
	e.printf("  Reachability of its %d backend pods on their target ports: the gateway's proxies (%s) are %s.\n",
		r.Pods, r.GatewayProxies, strings.ToLower(string(r.Gateway)))
	if len(r.Bypass) > 0 {
		e.printf("  Also admitted, bypassing the gateway: %s.\n", strings.Join(r.Bypass, ", "))
	} else {
		e.printf("  No other source is admitted: the gateway is the only way in.\n")
	}
	if r.EgressToWorld {
		e.printf("  The backend pods may connect to any address outside the cluster, on any port.\n")
	}
}

func direction(d int) string { return []string{"ingress", "egress"}[d] }

func (e *explainer) pod(namespace, name string) {
	for _, p := range e.md.PodsOf(namespace) {
		if p.Pod.Name != name {
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
		for _, p := range e.md.PodsOf(name) {
			if p.HostNetwork {
				continue
			}
			state := []string{"-", "-"}
			for d := range 2 {
				if p.Isolated[d] {
					state[d] = "isolated"
				}
			}
			e.printf("  pod %s: ingress %s, egress %s, selected by %d policies\n", p.Pod.Name, state[0], state[1], len(p.SelectedBy))
		}
	}
}
