package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func newBuildCommand(streams Streams) *cobra.Command {
	var in inputFlags
	cmd := &cobra.Command{
		Use:   "build -f PATH...",
		Short: "Print the objects an audit reads: a repository built as Flux would apply it, its HelmReleases rendered",
		Long: "Reads manifests as audit does (a Flux repository built cluster by cluster, a kustomize directory, files) and prints " +
			"every object it read as multi-document YAML, to see what the audit saw or to apply it elsewhere. Problems are " +
			"reported and fail the command as they fail audit.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(in.files) == 0 {
				return errorf(2, "build needs -f PATH (a file, a directory, or - for standard input)")
			}
			opts, err := in.options()
			if err != nil {
				return err
			}
			var objects []*unstructured.Unstructured
			opts.keep = &objects
			if _, _, err := load(streams, in.files, opts); err != nil {
				return err
			}
			for _, o := range objects {
				data, err := yaml.Marshal(o.Object)
				if err != nil {
					return err
				}
				if _, err := fmt.Fprintf(streams.Out, "---\n%s", data); err != nil {
					return err
				}
			}
			return nil
		},
	}
	in.register(cmd, true)
	return cmd
}
