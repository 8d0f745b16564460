// Package cli is the kubectl netinv plugin: report renders a cluster's
// NetworkInventory, audit runs the same engine on manifests, explain says
// why a hostname, pod or namespace is exposed or isolated as it is.
package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"netinventory.io/netinventory/internal/report"
	"netinventory.io/netinventory/internal/scheme"
)

// ExitError carries the exit code a command ends with.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }

// Streams are where a command reads and writes.
type Streams struct {
	In          io.Reader
	Out, ErrOut io.Writer
}

// NewCommand returns the kubectl-netinv command.
func NewCommand(streams Streams) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	root := &cobra.Command{
		Use:   "kubectl-netinv",
		Short: "What the cluster exposes and how well it is guarded",
		Long: "kubectl netinv renders the cluster's NetworkInventory (report), audits manifests or a Flux repository before they are merged (audit), " +
			"says what a change to them does (diff), prints the objects an audit reads (build), and explains why a hostname, pod or namespace is exposed or isolated as it is (explain).",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	flags.AddFlags(root.PersistentFlags())
	root.AddCommand(newReportCommand(flags, streams), newAuditCommand(streams), newExplainCommand(flags, streams),
		newReachCommand(flags, streams), newDiffCommand(streams), newBuildCommand(streams))
	return root
}

// clusterClient returns a client for the cluster the kubectl flags name.
func clusterClient(flags *genericclioptions.ConfigFlags) (client.Client, error) {
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: scheme.Scheme})
}

// outputFlag adds -o, which takes one of the formats (from the report
// registry) and is checked when it is parsed.
func outputFlag(cmd *cobra.Command, target *string, def string, formats []report.Format) {
	*target = def
	cmd.Flags().VarP(&formatValue{target: target, formats: formats}, "output", "o", "output format: "+report.Usage(formats))
}

// formatValue is the value of -o: a format name the registry knows.
type formatValue struct {
	target  *string
	formats []report.Format
}

func (v *formatValue) String() string { return *v.target }

func (v *formatValue) Type() string { return "format" }

func (v *formatValue) Set(name string) error {
	if _, err := report.Find(v.formats, name); err != nil {
		return err
	}
	*v.target = name
	return nil
}

func withContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

func errorf(code int, format string, args ...any) error {
	return &ExitError{Code: code, Err: fmt.Errorf(format, args...)}
}
