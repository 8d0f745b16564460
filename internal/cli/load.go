package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/crdschema"
	"netinventory.io/netinventory/internal/gitops/flux"
	"netinventory.io/netinventory/internal/snapshot"
)

// loadOptions say how manifests are read.
type loadOptions struct {
	// vars replace Flux ${VAR} placeholders.
	vars map[string]string
	// name is the NetworkInventory whose spec to use ("": the first).
	name string
	// skipUnreadable reports unreadable documents as warnings instead of
	// failing.
	skipUnreadable bool
	// enforcement, when set, is Cilium's enable-policy mode, whatever the
	// manifests say.
	enforcement snapshot.PolicyEnforcement
	// build says how a directory is read: auto (Flux when it holds Flux
	// Kustomizations, kustomize when it has a kustomization file, else file
	// by file), flux, kustomize or none.
	build string
	// cluster chooses where a Flux build starts (see chooseCluster).
	cluster string
	// keep, when set, receives every object read (what `build` prints).
	keep *[]*unstructured.Unstructured
	// helm says whether and how HelmReleases are rendered.
	helm helmOptions
}

func skipUnreadableFlag(cmd *cobra.Command, target *bool) {
	cmd.Flags().BoolVar(target, "skip-unreadable", false, "report unreadable documents as warnings and audit the rest")
}

// errRefused is wrapped by the error of a NetworkInventory the CRD's
// schema refuses.
var errRefused = errors.New("refused by the CRD's schema")

// load reads manifests, failing closed: it prints each problem on the
// error stream, one line each, then fails (exit 2) when a NetworkInventory
// is refused by the CRD's schema, when a document or file is unreadable
// (unless opts.skipUnreadable), or when no Kubernetes object was read at
// all. Documents that are not Kubernetes objects (values files, say) are
// warnings; objects of kinds the inventory does not read are skipped
// silently.
func load(streams Streams, paths []string, opts loadOptions) (*snapshot.Snapshot, []v1alpha1.NetworkInventory, error) {
	l := &snapshot.Loader{Other: snapshot.WorkloadPods, OtherReads: snapshot.IsWorkloadKind, Stdin: streams.In, ValidateInventory: validateInventory,
		Preprocess: func(data []byte) []byte { return substitute(data, opts.vars) }, Keep: opts.keep != nil, KeepIf: helmNeeds}
	unbuilt := 0
	var local localSources
	for _, p := range paths {
		if p != "-" {
			info, err := os.Stat(p)
			if err != nil {
				return nil, nil, errorf(2, "%v", err)
			}
			if info.IsDir() {
				b, ok, err := buildDirectory(p, opts)
				if err != nil {
					return nil, nil, err
				}
				if ok {
					unbuilt += addBuilt(streams.ErrOut, l, b, opts.skipUnreadable)
					if local.root == "" {
						local = b.local
					}
					continue
				}
			}
			if local.root == "" {
				dir := p
				if !info.IsDir() {
					dir = filepath.Dir(p)
				}
				local.root = flux.RepositoryRoot(dir, nil)
			}
		}
		l.AddPath(p)
	}
	if opts.helm.render {
		renderHelmReleases(context.Background(), streams.ErrOut, l, slices.Clone(l.Objects), opts.helm, local)
	}
	snap, err := l.Snapshot()
	refused, unreadable := printProblems(streams.ErrOut, err, opts.skipUnreadable)
	unreadable += unbuilt
	if len(l.NoNamespace) > 0 {
		fmt.Fprintf(streams.ErrOut, "warning: %s no namespace (audited in default, as kubectl would apply them): %s\n",
			plural(len(l.NoNamespace), "object has", "objects have"), snapshot.OneLine(strings.Join(l.NoNamespace, ", ")))
	}
	switch {
	case refused > 0:
		return nil, nil, errorf(2, "%s refused by the CRD's schema, as the API server would", plural(refused, "NetworkInventory", "NetworkInventories"))
	case unreadable > 0 && !opts.skipUnreadable:
		return nil, nil, errorf(2, "%s (above): pass --skip-unreadable to audit the rest", plural(unreadable, "unreadable document, file or build", "unreadable documents, files or builds"))
	case l.Count() == 0:
		return nil, nil, errorf(2, "no Kubernetes object in %s: nothing to audit", strings.Join(paths, ", "))
	}
	if opts.keep != nil {
		*opts.keep = l.Objects
	}
	return snap, l.Inventories, nil
}

// printProblems prints the loader's errors, one line each, and counts the
// refused inventories and the unreadable documents and files.
func printProblems(w io.Writer, err error, skip bool) (refused, unreadable int) {
	for _, e := range unjoin(err) {
		msg := snapshot.OneLine(e.Error())
		switch {
		case errors.Is(e, errRefused):
			refused++
			fmt.Fprintf(w, "error: %s\n", msg)
		case errors.Is(e, snapshot.ErrNotAnObject):
			fmt.Fprintf(w, "warning: skipped: %s\n", msg)
		default:
			unreadable += printUnreadable(w, msg, skip)
		}
	}
	return refused, unreadable
}

// printUnreadable prints what could not be read or built: an error, or a
// warning when skipped. It returns 1, to count it.
func printUnreadable(w io.Writer, msg string, skip bool) int {
	if skip {
		fmt.Fprintf(w, "warning: skipped: %s\n", msg)
	} else {
		fmt.Fprintf(w, "error: %s\n", msg)
	}
	return 1
}

// validateInventory validates a NetworkInventory as the API server would,
// against the CRD as generated from the API.
func validateInventory(u *unstructured.Unstructured) error {
	v, err := crdschema.NetworkInventory()
	if err != nil {
		return fmt.Errorf("%w: %v", errRefused, err)
	}
	errs := v.Validate(u.Object)
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%w: %s", errRefused, strings.Join(msgs, "; "))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
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
