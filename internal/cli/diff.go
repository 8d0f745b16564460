package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"netinventory.io/netinventory/api/v1alpha1"
	"netinventory.io/netinventory/internal/diff"
)

func newDiffCommand(streams Streams) *cobra.Command {
	var (
		in      inputFlags
		output  string
		failOn  string
		baseRev string
	)
	cmd := &cobra.Command{
		Use:   "diff BASE HEAD | diff --base-rev REV PATH...",
		Short: "Show what a change to the manifests changes in the inventory, for a pull request's review",
		Long: "Audits two versions of the manifests with the same pipeline and flags as audit, and prints what changes from " +
			"the first (BASE) to the second (HEAD): endpoints added or removed, endpoints that become public or lose " +
			"authentication (per route rule too), gateways and LoadBalancer/NodePort Services, namespaces whose isolation " +
			"changes, findings opened, closed, acknowledged or reprioritised. Markdown for a pull-request comment, or JSON.\n\n" +
			"BASE and HEAD are each a file or a directory (read recursively), one of them may be - for standard input. " +
			"With --base-rev, the base is the same PATHs in the git revision REV of the repository that holds them " +
			"(extracted with git archive), the head the PATHs as they are in the working tree; a PATH that does not exist " +
			"on one side contributes nothing to it.\n\n" +
			"Exits 1 when the change opens a finding at or above --fail-on (default high): open in the head and not in the " +
			"base, reopened by removing its acknowledgement, or raised to that priority from below. Findings open in the " +
			"base already do not fail. Exits 2 when either side cannot be audited (as audit), or when the git revision " +
			"cannot be read.",
		Example: "  kubectl netinv diff old/ new/\n" +
			"  kubectl netinv diff --base-rev origin/main kubernetes/ > comment.md\n" +
			"  kustomize build clusters/prod | kubectl netinv diff rendered-main.yaml - -o json",
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case baseRev != "" && len(args) == 0:
				return errorf(2, "diff --base-rev REV needs PATH: the files or directories to compare with their version in REV")
			case baseRev != "" && slices.Contains(args, "-"):
				return errorf(2, "diff --base-rev compares files of a git repository: - (standard input) has no version in %s", baseRev)
			case baseRev == "" && len(args) != 2:
				return errorf(2, "diff needs BASE and HEAD (two files or directories), or --base-rev REV PATH...")
			case baseRev == "" && args[0] == "-" && args[1] == "-":
				return errorf(2, "diff: only one of BASE and HEAD can be - (standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(failLevels, failOn) {
				return errorf(2, "--fail-on must be one of %s", strings.Join(failLevels, ", "))
			}
			if !slices.Contains(append(diff.Formats, "md"), output) {
				return errorf(2, "-o must be one of %s", strings.Join(diff.Formats, ", "))
			}
			opts, err := in.options()
			if err != nil {
				return err
			}
			base := side{name: "base", paths: args[:1]}
			head := side{name: "head", paths: args[1:]}
			if baseRev != "" {
				tree, err := checkoutRevision(withContext(cmd), streams.ErrOut, baseRev, args)
				if err != nil {
					return err
				}
				defer tree.remove()
				base = side{name: "base", paths: tree.existing(), rewrite: tree.rewriter()}
				head = side{name: "head", paths: existing(args)}
				for _, s := range []*side{&base, &head} {
					if len(s.paths) == 0 {
						where := "in the working tree"
						if s == &base {
							where = "in " + baseRev
						}
						fmt.Fprintf(streams.ErrOut, "note: %s does not exist %s: the %s is empty\n", strings.Join(args, ", "), where, s.name)
					}
				}
				if len(base.paths)+len(head.paths) == 0 {
					return errorf(2, "%s: neither in %s nor in the working tree", strings.Join(args, ", "), baseRev)
				}
			}
			baseStatus, err := base.audit(streams, opts)
			if err != nil {
				return err
			}
			headStatus, err := head.audit(streams, opts)
			if err != nil {
				return err
			}
			changes := diff.Compare(baseStatus, headStatus)
			if err := diff.Render(streams.Out, output, changes); err != nil {
				return err
			}
			if failOn == "none" {
				return nil
			}
			level := v1alpha1.Priorities[slices.Index(failLevels, failOn)]
			if opened := changes.OpenedAtOrAbove(level); len(opened) > 0 {
				return errorf(1, "the change opens %s at or above %s (worst: %s %s on %s)", plural(len(opened), "finding", "findings"),
					failOn, opened[0].Priority, opened[0].Rule, opened[0].Subject)
			}
			return nil
		},
	}
	in.register(cmd, false)
	cmd.Flags().StringVar(&baseRev, "base-rev", "", "compare PATH... in this git revision (a branch, tag or commit, e.g. origin/main) with the working tree")
	cmd.Flags().StringVar(&failOn, "fail-on", "high", "exit 1 when the change opens a finding of this priority or a more urgent one: "+strings.Join(failLevels, ", "))
	cmd.Flags().StringVarP(&output, "output", "o", "markdown", "output format: "+strings.Join(diff.Formats, ", "))
	return cmd
}

// side is one side of a diff: the paths to audit, and how to show the
// paths of its messages.
type side struct {
	name  string
	paths []string
	// rewrite, when set, rewrites the paths of messages (a temporary
	// directory becomes REV:).
	rewrite func(string) string
}

// audit audits the side's paths as audit does, and returns the status
// with every finding listed. Its messages are prefixed with the side's
// name. Without paths the side is empty.
func (s *side) audit(streams Streams, opts loadOptions) (*v1alpha1.NetworkInventoryStatus, error) {
	if len(s.paths) == 0 {
		return &v1alpha1.NetworkInventoryStatus{}, nil
	}
	rewrite := s.rewrite
	if rewrite == nil {
		rewrite = func(x string) string { return x }
	}
	errOut := &prefixWriter{w: streams.ErrOut, prefix: s.name + ": ", rewrite: rewrite}
	res, ni, err := audit(Streams{In: streams.In, Out: streams.Out, ErrOut: errOut}, s.paths, opts)
	errOut.flush()
	if err != nil {
		code := 2
		var exit *ExitError
		if errors.As(err, &exit) {
			code = exit.Code
		}
		return nil, &ExitError{Code: code, Err: fmt.Errorf("%s: %s", s.name, rewrite(err.Error()))}
	}
	st := ni.Status
	// The status caps its findings (spec.limits.maxFindings); the result
	// holds them all.
	st.Findings.Items, st.Findings.Truncated = res.Findings, false
	return &st, nil
}

// prefixWriter writes each line with a prefix, rewritten.
type prefixWriter struct {
	w       io.Writer
	prefix  string
	rewrite func(string) string
	buf     []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		if _, err := io.WriteString(p.w, p.prefix+p.rewrite(string(p.buf[:i+1]))); err != nil {
			return len(b), err
		}
		p.buf = p.buf[i+1:]
	}
}

// flush writes what remains of a last line without a newline.
func (p *prefixWriter) flush() {
	if len(p.buf) > 0 {
		_, _ = io.WriteString(p.w, p.prefix+p.rewrite(string(p.buf))+"\n")
		p.buf = nil
	}
}
