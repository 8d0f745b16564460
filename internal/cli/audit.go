package cli

import (
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
		in     inputFlags
		output string
		failOn string
	)
	cmd := &cobra.Command{
		Use:   "audit -f PATH...",
		Short: "Audit manifests with the operator's engine, before they are merged",
		Long: "Builds an inventory from manifests (files, directories recursively, - for standard input; multi-document " +
			"YAML, List kinds, the output of kustomize build or flux build), with pods from workload templates, and prints " +
			"the report. A NetworkInventory among the manifests gives the spec. Exits 1 when a finding at or above " +
			"--fail-on is open, 2 when the manifests cannot be audited: a document is unreadable (unless --skip-unreadable), a " +
			"NetworkInventory is refused by the CRD's schema, or there is no Kubernetes object at all. Flux post-build ${VAR} " +
			"placeholders are replaced by --set VAR=value and otherwise left as they are.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(failLevels, failOn) {
				return errorf(2, "--fail-on must be one of %s", strings.Join(failLevels, ", "))
			}
			if len(in.files) == 0 {
				return errorf(2, "audit needs -f PATH (a file, a directory, or - for standard input)")
			}
			opts, err := in.options()
			if err != nil {
				return err
			}
			res, ni, err := audit(streams, in.files, opts)
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
	in.register(cmd, true)
	cmd.Flags().StringVar(&failOn, "fail-on", "critical", "exit 1 when an open finding has this priority or a more urgent one: "+strings.Join(failLevels, ", "))
	outputFlag(cmd, &output, "markdown", report.InventoryFormats())
	return cmd
}

// inputFlags are the flags that say what manifests to read and how, shared
// by every command that audits manifests.
type inputFlags struct {
	files   []string
	sets    []string
	name    string
	skip    bool
	policy  string
	build   string
	cluster string
	helm    helmOptions
}

// register adds the flags to cmd; withFiles adds -f too.
func (in *inputFlags) register(cmd *cobra.Command, withFiles bool) {
	if withFiles {
		cmd.Flags().StringArrayVarP(&in.files, "filename", "f", nil, "manifests: a file, a directory (recursively), or - for standard input; repeatable")
	}
	cmd.Flags().StringArrayVar(&in.sets, "set", nil, "VAR=value for a ${VAR} placeholder; repeatable")
	cmd.Flags().StringVar(&in.name, "inventory", "", "name of the NetworkInventory among the manifests whose spec to use (default: the first)")
	cmd.Flags().StringVar(&in.policy, "cilium-enable-policy", "",
		"Cilium's policy enforcement mode (default, always, never) when the manifests hold no cilium-config ConfigMap, or to override it")
	skipUnreadableFlag(cmd, &in.skip)
	cmd.Flags().StringVar(&in.build, "build", buildAuto, "how a directory is read: auto (as Flux builds it when it holds Flux Kustomizations, "+
		"as kustomize when it has a kustomization file, else every manifest in it), flux, kustomize, none (every manifest)")
	cmd.Flags().BoolVar(&in.helm.render, "render-helm", true, "render HelmReleases with their charts (from their Flux sources, "+
		"this repository's charts read from disk) and audit what they install")
	cmd.Flags().StringVar(&in.helm.cacheDir, "chart-cache", defaultChartCache(), "directory that keeps the charts and repository indexes fetched "+
		"($NETINV_CHART_CACHE, else the user's cache directory)")
	cmd.Flags().BoolVar(&in.helm.offline, "offline", false, "render HelmReleases from the chart cache and the repository only: no network access")
	cmd.Flags().StringVar(&in.cluster, "cluster", "", "where a Flux build starts when the repository holds several clusters: "+
		"a directory (clusters/prod) or a Flux Kustomization (NAMESPACE/NAME)")
}

// options checks the flags and returns the load options they give.
func (in *inputFlags) options() (loadOptions, error) {
	vars, err := parseSets(in.sets)
	if err != nil {
		return loadOptions{}, err
	}
	if !slices.Contains(buildModes, in.build) {
		return loadOptions{}, errorf(2, "--build must be one of %s", strings.Join(buildModes, ", "))
	}
	opts := loadOptions{vars: vars, name: in.name, skipUnreadable: in.skip, build: in.build, cluster: in.cluster, helm: in.helm}
	if in.policy != "" {
		mode, err := snapshot.ParseEnforcement(in.policy)
		if err != nil {
			return loadOptions{}, errorf(2, "--cilium-enable-policy: %v", err)
		}
		opts.enforcement = mode
	}
	return opts, nil
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

// audit loads manifests and computes their inventory. What cannot be read
// is reported on the error stream, with its position, and fails the audit
// unless skipped (see load).
func audit(streams Streams, paths []string, opts loadOptions) (*inventory.Result, *v1alpha1.NetworkInventory, error) {
	snap, inventories, err := load(streams, paths, opts)
	if err != nil {
		return nil, nil, err
	}
	if opts.enforcement != "" {
		snap.CiliumPolicyEnforcement = opts.enforcement
	}
	spec := &v1alpha1.NetworkInventorySpec{}
	invName := "manifests"
	for i := range inventories {
		if opts.name == "" || inventories[i].Name == opts.name {
			spec, invName = &inventories[i].Spec, inventories[i].Name
			break
		}
	}
	if opts.name != "" && invName != opts.name {
		return nil, nil, errorf(2, "no NetworkInventory named %q among the manifests", opts.name)
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
