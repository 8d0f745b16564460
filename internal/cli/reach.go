package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"netinventory.io/netinventory/internal/inventory/coverage"
	"netinventory.io/netinventory/internal/inventory/reach"
	"netinventory.io/netinventory/internal/snapshot"
)

// reachAnswer is one line of `kubectl netinv reach`.
type reachAnswer struct {
	From      string   `json:"from"`
	To        string   `json:"to"`
	Port      int32    `json:"port"`
	Protocol  string   `json:"protocol"`
	Allowed   bool     `json:"allowed"`
	L7        bool     `json:"l7,omitempty"`
	Reason    string   `json:"reason"`
	DecidedBy []string `json:"decidedBy,omitempty"`
}

func newReachCommand(flags *genericclioptions.ConfigFlags, streams Streams) *cobra.Command {
	var o explainOptions
	cmd := &cobra.Command{
		Use:   "reach FROM TO[:PORT[/PROTOCOL]]",
		Short: "Tell whether a source may open connections to pods, and which policies decide it",
		Long: "Evaluates the network policies as Cilium enforces them (the destination's ingress rules and, for a pod " +
			"source, the source's egress rules) on the cluster's objects, or on manifests with -f.\n\n" +
			"FROM: NAMESPACE/POD, NAMESPACE/APP (pods labelled app.kubernetes.io/name or app), gateway:NAMESPACE/NAME " +
			"(its proxy pods), world, world-ipv6, host, remote-node, kube-apiserver, or cluster (any pod).\n" +
			"TO: NAMESPACE/POD or NAMESPACE/APP, with a port (default: every container port of the pods) and a " +
			"protocol (default TCP).\n\nExit status 1 when some connection is denied.",
		Example: "  kubectl netinv reach gateway:network/envoy-external monitoring/grafana:3000\n" +
			"  kubectl netinv reach cluster monitoring/grafana\n  kubectl netinv reach -f manifests/ world default/echo:8080",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := o.compute(cmd, flags, streams)
			if err != nil {
				return err
			}
			answers, err := reachAnswers(res.Evaluator, args[0], args[1])
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			if err := printReach(streams, o.output, answers); err != nil {
				return err
			}
			for _, a := range answers {
				if !a.Allowed {
					return &ExitError{Code: 1, Err: fmt.Errorf("%s may not connect to %s on %d/%s", a.From, a.To, a.Port, a.Protocol)}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&o.files, "filename", "f", nil, "evaluate manifests instead of the cluster")
	cmd.Flags().StringArrayVar(&o.sets, "set", nil, "VAR=value for a ${VAR} placeholder in the manifests")
	cmd.Flags().StringVar(&o.inventory, "inventory", "", "name of the NetworkInventory whose spec to use")
	skipUnreadableFlag(cmd, &o.skip)
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	return cmd
}

// reachAnswers evaluates every source against every target pod and port.
func reachAnswers(ev *coverage.Evaluator, from, to string) ([]reachAnswer, error) {
	sources, err := reach.ResolveSources(ev, from)
	if err != nil {
		return nil, err
	}
	target, portSpec, _ := strings.Cut(to, ":")
	pods, err := reach.ResolvePods(ev, target)
	if err != nil {
		return nil, err
	}
	port, protocol, err := parsePortSpec(portSpec)
	if err != nil {
		return nil, err
	}
	var out []reachAnswer
	for _, src := range sources {
		for _, p := range pods {
			ports := []corev1.ContainerPort{{ContainerPort: port, Protocol: corev1.Protocol(protocol)}}
			if port == 0 {
				ports = containerPorts(p)
				if len(ports) == 0 {
					return nil, fmt.Errorf("pod %s/%s declares no container port: give one, as %s:PORT", p.Namespace, p.Name, target)
				}
			}
			for _, cp := range ports {
				proto := string(cp.Protocol)
				if proto == "" {
					proto = "TCP"
				}
				v := ev.Connect(src.Peer, p, cp.ContainerPort, proto)
				a := reachAnswer{From: src.Name, To: p.Namespace + "/" + p.Name, Port: cp.ContainerPort, Protocol: proto,
					Allowed: v.Allowed, L7: v.L7, Reason: string(v.Reason)}
				for _, i := range v.DecidedBy {
					a.DecidedBy = append(a.DecidedBy, ev.CatalogEntry(i))
				}
				out = append(out, a)
			}
		}
	}
	return out, nil
}

func parsePortSpec(s string) (int32, string, error) {
	if s == "" {
		return 0, "TCP", nil
	}
	portText, protocol, _ := strings.Cut(s, "/")
	protocol = strings.ToUpper(protocol)
	if protocol == "" {
		protocol = "TCP"
	}
	if protocol != "TCP" && protocol != "UDP" && protocol != "SCTP" {
		return 0, "", fmt.Errorf("protocol %q: want TCP, UDP or SCTP", protocol)
	}
	port, err := strconv.ParseInt(portText, 10, 32)
	if err != nil || port < 1 || port > 65535 {
		return 0, "", fmt.Errorf("port %q: want a number from 1 to 65535", portText)
	}
	return int32(port), protocol, nil
}

func containerPorts(p *snapshot.Pod) []corev1.ContainerPort {
	var out []corev1.ContainerPort
	for _, c := range p.Spec.Containers {
		out = append(out, c.Ports...)
	}
	return out
}

func printReach(streams Streams, output string, answers []reachAnswer) error {
	switch output {
	case "json":
		enc := json.NewEncoder(streams.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(answers)
	case "text":
		for _, a := range answers {
			verdict := "DENIED "
			if a.Allowed {
				verdict = "ALLOWED"
			}
			line := fmt.Sprintf("%s %s -> %s %d/%s: %s", verdict, a.From, a.To, a.Port, a.Protocol, a.Reason)
			if len(a.DecidedBy) > 0 {
				line += " (" + strings.Join(a.DecidedBy, ", ") + ")"
			}
			if a.L7 {
				line += "; L7 rules restrict requests"
			}
			fmt.Fprintln(streams.Out, line)
		}
		return nil
	}
	return fmt.Errorf("unknown output format %q: want text or json", output)
}
