package cli

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/inventory"
	"netinventory.io/netinventory/internal/report"
	"netinventory.io/netinventory/internal/snapshot"
)

// failLevels are the --fail-on values, most urgent first.
var failLevels = []string{"critical", "high", "medium", "low", "none"}

func newAuditCommand(streams Streams) *cobra.Command {
	var (
		files  []string
		output string
		failOn string
		sets   []string
		name   string
	)
	cmd := &cobra.Command{
		Use:   "audit -f PATH...",
		Short: "Audit manifests with the operator's engine, before they are merged",
		Long: "Builds an inventory from manifests (files, directories recursively, - for standard input; multi-document " +
			"YAML, List kinds, the output of kustomize build or flux build), with pods from workload templates, and prints " +
			"the report. A NetworkInventory among the manifests gives the spec. Exits 1 when a finding at or above " +
			"--fail-on is open. Flux post-build ${VAR} placeholders are replaced by --set VAR=value and otherwise left as they are.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(failLevels, failOn) {
				return errorf(2, "--fail-on must be one of %s", strings.Join(failLevels, ", "))
			}
			if len(files) == 0 {
				return errorf(2, "audit needs -f PATH (a file, a directory, or - for standard input)")
			}
			vars, err := parseSets(sets)
			if err != nil {
				return err
			}
			res, ni, err := audit(streams, files, vars, name)
			if err != nil {
				return err
			}
			if err := report.Render(streams.Out, output, ni); err != nil {
				return err
			}
			if worst := worstOpen(res.Status.Findings.Items); failOn != "none" && worst != "" &&
				slices.Index(failLevels, strings.ToLower(worst)) <= slices.Index(failLevels, failOn) {
				return errorf(1, "open findings at or above %s (worst: %s)", failOn, worst)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&files, "filename", "f", nil, "manifests: a file, a directory (recursively), or - for standard input; repeatable")
	cmd.Flags().StringVar(&failOn, "fail-on", "critical", "exit 1 when an open finding has this priority or a more urgent one: "+strings.Join(failLevels, ", "))
	cmd.Flags().StringArrayVar(&sets, "set", nil, "VAR=value for a ${VAR} placeholder; repeatable")
	cmd.Flags().StringVar(&name, "inventory", "", "name of the NetworkInventory among the manifests whose spec to use (default: the first)")
	outputFlag(cmd, &output)
	return cmd
}

func parseSets(sets []string) (map[string]string, error) {
	vars := map[string]string{}
	for _, s := range sets {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return nil, errorf(2, "--set %q: want VAR=value", s)
		}
		vars[k] = v
	}
	return vars, nil
}

// placeholder matches Flux post-build substitutions: ${VAR}, ${VAR:=default}
// and ${VAR:-default}.
var placeholder = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[=-][^}]*)?\}`)

// substitute replaces the placeholders of the given variables.
func substitute(data []byte, vars map[string]string) []byte {
	if len(vars) == 0 {
		return data
	}
	return placeholder.ReplaceAllFunc(data, func(m []byte) []byte {
		name := placeholder.FindSubmatch(m)[1]
		if v, ok := vars[string(name)]; ok {
			return []byte(v)
		}
		return m
	})
}

// audit loads manifests and computes their inventory. Documents that
// cannot be read are reported on the error stream, with their position;
// the rest is audited.
func audit(streams Streams, paths []string, vars map[string]string, name string) (*inventory.Result, *v1alpha1.NetworkInventory, error) {
	l := &snapshot.Loader{Other: snapshot.WorkloadPods, Stdin: streams.In,
		Preprocess: func(data []byte) []byte { return substitute(data, vars) }}
	for _, p := range paths {
		if p != "-" {
			if _, err := os.Stat(p); err != nil {
				return nil, nil, errorf(2, "%v", err)
			}
		}
		l.AddPath(p)
	}
	snap, err := l.Snapshot()
	for _, e := range unjoin(err) {
		fmt.Fprintf(streams.ErrOut, "warning: skipped: %v\n", e)
	}
	spec := &v1alpha1.NetworkInventorySpec{}
	invName := "manifests"
	for i := range l.Inventories {
		if name == "" || l.Inventories[i].Name == name {
			spec, invName = &l.Inventories[i].Spec, l.Inventories[i].Name
			break
		}
	}
	if name != "" && invName != name {
		return nil, nil, errorf(2, "no NetworkInventory named %q among the manifests", name)
	}
	now := time.Now().UTC().Truncate(time.Second)
	res, err := inventory.Compute(snap, spec, now)
	if err != nil {
		return nil, nil, errorf(2, "NetworkInventory %s: %v", invName, err)
	}
	return res, res.Inventory(invName, spec, now), nil
}

func worstOpen(findings []v1alpha1.Finding) string {
	for _, f := range findings { // sorted: open first, most urgent first
		if !f.Acknowledged {
			return string(f.Priority)
		}
	}
	return ""
}

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		return j.Unwrap()
	}
	return []error{err}
}
