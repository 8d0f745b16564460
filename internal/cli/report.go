package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/report"
	"netinventory.io/netinventory/internal/snapshot"
)

func newReportCommand(flags *genericclioptions.ConfigFlags, streams Streams) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "report [NAME]",
		Short: "Render a NetworkInventory from the cluster",
		Long: "Reads a NetworkInventory (by default the only one, or `cluster`) and renders it in the format -o names; the " +
			"default, Markdown, is a document to commit, e.g. `kubectl netinv report > docs/network-inventory.md`.",
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
	outputFlag(cmd, &output, "markdown", report.InventoryFormats())
	return cmd
}

// getInventory reads the named NetworkInventory, or the only one there is,
// or the one named cluster. An inventory whose spec cannot be read (stored
// around the schema's validation) is still rendered from its status, with a
// warning.
func getInventory(cmd *cobra.Command, c client.Client, args []string) (*v1alpha1.NetworkInventory, error) {
	u, err := findInventory(cmd, c, args)
	if err != nil {
		return nil, err
	}
	return decodeOrWarn(cmd, u), nil
}

// findInventory reads, as stored, the named NetworkInventory, or the only
// one there is, or the one named cluster.
func findInventory(cmd *cobra.Command, c client.Client, args []string) (*unstructured.Unstructured, error) {
	ctx := withContext(cmd)
	if len(args) == 1 {
		u := snapshot.NewInventoryObject()
		if err := c.Get(ctx, client.ObjectKey{Name: args[0]}, u); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, errorf(1, "no NetworkInventory named %q", args[0])
			}
			return nil, err
		}
		return u, nil
	}
	list := snapshot.NewInventoryList()
	if err := c.List(ctx, list); err != nil {
		return nil, err
	}
	switch {
	case len(list.Items) == 1:
		return &list.Items[0], nil
	case len(list.Items) == 0:
		return nil, errorf(1, "no NetworkInventory in the cluster: install the operator, or use `kubectl netinv audit` on manifests")
	}
	for i := range list.Items {
		if list.Items[i].GetName() == "cluster" {
			return &list.Items[i], nil
		}
	}
	return nil, errorf(1, "%d NetworkInventories: name one", len(list.Items))
}

// decodeOrWarn decodes an inventory, warning when only its status could be.
func decodeOrWarn(cmd *cobra.Command, u *unstructured.Unstructured) *v1alpha1.NetworkInventory {
	ni, err := snapshot.DecodeInventory(u)
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: NetworkInventory %s: %v; rendering its last status\n", u.GetName(), err)
	}
	return ni
}
