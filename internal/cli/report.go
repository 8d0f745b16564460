package cli

import (
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/report"
)

func newReportCommand(flags *genericclioptions.ConfigFlags, streams Streams) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "report [NAME]",
		Short: "Render a NetworkInventory from the cluster",
		Long: "Reads a NetworkInventory (by default the only one, or `cluster`) and renders it: Markdown (the default, a " +
			"document to commit, e.g. `kubectl netinv report > docs/network-inventory.md`), table, json, yaml, or the allowed flows as dot.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := clusterClient(flags)
			if err != nil {
				return err
			}
			ni, err := getInventory(cmd, c, args)
			if err != nil {
				return err
			}
			return report.Render(streams.Out, output, ni)
		},
	}
	outputFlag(cmd, &output)
	return cmd
}

// getInventory reads the named NetworkInventory, or the only one there is,
// or the one named cluster.
func getInventory(cmd *cobra.Command, c client.Client, args []string) (*v1alpha1.NetworkInventory, error) {
	ctx := withContext(cmd)
	if len(args) == 1 {
		var ni v1alpha1.NetworkInventory
		if err := c.Get(ctx, client.ObjectKey{Name: args[0]}, &ni); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, errorf(1, "no NetworkInventory named %q", args[0])
			}
			return nil, err
		}
		return &ni, nil
	}
	var list v1alpha1.NetworkInventoryList
	if err := c.List(ctx, &list); err != nil {
		return nil, err
	}
	switch {
	case len(list.Items) == 1:
		return &list.Items[0], nil
	case len(list.Items) == 0:
		return nil, errorf(1, "no NetworkInventory in the cluster: install the operator, or use `kubectl netinv audit` on manifests")
	}
	for i := range list.Items {
		if list.Items[i].Name == "cluster" {
			return &list.Items[i], nil
		}
	}
	return nil, errorf(1, "%d NetworkInventories: name one", len(list.Items))
}
