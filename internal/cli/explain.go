package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory"
	"netinventory.io/netinventory/internal/inventory/model"
	"netinventory.io/netinventory/internal/report"
	"netinventory.io/netinventory/internal/snapshot"
)

// explainOptions are the explain command's flags.
type explainOptions struct {
	files, sets []string
	skip        bool
	inventory   string
	output      string
}

func newExplainCommand(flags *genericclioptions.ConfigFlags, streams Streams) *cobra.Command {
	var o explainOptions
	cmd := &cobra.Command{
		Use:   "explain HOSTNAME|NAMESPACE/POD|NAMESPACE",
		Short: "Explain why a hostname is exposed and guarded, or a pod or namespace isolated, as it is",
		Long: "Runs the engine on the cluster's objects (or on manifests with -f) and explains one subject: for a hostname, " +
			"the gateway, listener and route that expose it and the SecurityPolicy that applies, by precedence; for a pod or " +
			"namespace, which policies select it and whether it is isolated, per direction. The spec (exposure, priorities, " +
			"acknowledgements) is the NetworkInventory's: the one --inventory names, which must be readable, or else the only " +
			"one, or cluster; when none can be read, a warning says why and the default spec is used.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			md, err := o.model(cmd, flags, streams)
			if err != nil {
				return err
			}
			err = report.Explain(streams.Out, o.output, md, args[0])
			if errors.Is(err, report.ErrUnknownSubject) {
				return &ExitError{Code: 1, Err: err}
			}
			return err
		},
	}
	cmd.Flags().StringArrayVarP(&o.files, "filename", "f", nil, "explain from manifests instead of the cluster")
	cmd.Flags().StringArrayVar(&o.sets, "set", nil, "VAR=value for a ${VAR} placeholder in the manifests")
	cmd.Flags().StringVar(&o.inventory, "inventory", "",
		"name of the NetworkInventory whose spec to use, in the cluster or among the manifests (default: the only one or cluster; the first)")
	skipUnreadableFlag(cmd, &o.skip)
	outputFlag(cmd, &o.output, "text", report.ExplanationFormats())
	return cmd
}

// model computes the engine's model from the manifests, or else from the
// cluster.
func (o *explainOptions) model(cmd *cobra.Command, flags *genericclioptions.ConfigFlags, streams Streams) (*model.Model, error) {
	res, err := o.compute(cmd, flags, streams)
	if err != nil {
		return nil, err
	}
	return res.Model, nil
}

// compute runs the engine on the manifests, or else on the cluster.
func (o *explainOptions) compute(cmd *cobra.Command, flags *genericclioptions.ConfigFlags, streams Streams) (*inventory.Result, error) {
	if len(o.files) > 0 {
		vars, err := parseSets(o.sets)
		if err != nil {
			return nil, err
		}
		res, _, err := audit(streams, o.files, loadOptions{vars: vars, name: o.inventory, skipUnreadable: o.skip})
		return res, err
	}
	c, err := clusterClient(flags)
	if err != nil {
		return nil, err
	}
	snap, err := snapshot.FromCluster(withContext(cmd), c)
	if err != nil {
		return nil, err
	}
	spec, err := inventorySpec(cmd, c, o.inventory)
	if err != nil {
		return nil, err
	}
	return inventory.Compute(snap, spec, time.Now())
}

// inventorySpec returns the spec of the cluster's NetworkInventory: the
// named one, which must be readable, or else the one getInventory picks.
// When that one cannot be read, a warning on the error stream says why and
// the default spec is used.
func inventorySpec(cmd *cobra.Command, c client.Client, name string) (*v1alpha1.NetworkInventorySpec, error) {
	var args []string
	if name != "" {
		args = []string{name}
	}
	u, err := findInventory(cmd, c, args)
	if err == nil {
		var ni *v1alpha1.NetworkInventory
		if ni, err = snapshot.DecodeInventory(u); err == nil {
			return &ni.Spec, nil
		}
		err = fmt.Errorf("NetworkInventory %s: %w", u.GetName(), err)
	}
	if name != "" {
		return nil, err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "warning: %v; explaining with the default spec (no exposure rules, priorities or acknowledgements)\n", err)
	return &v1alpha1.NetworkInventorySpec{}, nil
}
