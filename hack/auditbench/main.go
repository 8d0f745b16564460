// Command auditbench measures the offline audit on generated corpora: for
// each size it writes the synthetic cluster the benchmarks use (namespaces,
// running pods dressed as a Deployment's as `make scale` creates them,
// NetworkPolicies and CiliumNetworkPolicies) as manifests,
// one file per namespace, and runs `kubectl-netinv audit` on them as a
// separate process, printing wall time and peak RSS.
//
// Usage: go run ./hack/auditbench -plugin bin/kubectl-netinv -pods 10000,50000
//
// The corpus is written by a child process (this command run with
// -write-corpus), so that the measuring process stays small: on Linux a
// child's peak RSS (rusage maxrss) is at least its parent's when the child
// was started with vfork, as Go starts processes, because exec records the
// peak of the address space it leaves, which is the parent's. A parent that
// generated a 50k-pod corpus itself would report its own peak as the
// audit's.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"netinventory.io/netinventory/internal/synthetic"
)

func main() {
	plugin := flag.String("plugin", "bin/kubectl-netinv", "the kubectl-netinv binary")
	sizes := flag.String("pods", "10000,50000", "corpus sizes in pods, comma-separated")
	ratio := flag.Int("pods-per-policy", 10, "pods per policy")
	runs := flag.Int("runs", 3, "runs per size (the median is printed)")
	writeCorpus := flag.String("write-corpus", "", "write the corpus of -pods pods into this directory, print its file count and bytes, and exit (what the measuring process runs in a child)")
	flag.Parse()
	if *writeCorpus != "" {
		pods, err := strconv.Atoi(*sizes)
		if err != nil {
			log.Fatal(err)
		}
		files, size := write(*writeCorpus, pods, pods / *ratio)
		fmt.Println(files, size)
		return
	}
	extraArgs = flag.Args() // passed to audit, e.g. --render-helm=false
	measured, err := copyBinary(*plugin)
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(filepath.Dir(measured)) }()
	*plugin = measured
	fmt.Println("| pods | policies | files | MiB | wall (median) | peak RSS (median) |")
	fmt.Println("| --- | --- | --- | --- | --- | --- |")
	for _, s := range strings.Split(*sizes, ",") {
		pods, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			log.Fatal(err)
		}
		dir, err := os.MkdirTemp("", "auditbench-")
		if err != nil {
			log.Fatal(err)
		}
		files, size := writeInChild(dir, pods, *ratio)
		var walls []time.Duration
		var rsss []int64
		for range *runs {
			wall, rss := audit(*plugin, dir)
			walls, rsss = append(walls, wall), append(rsss, rss)
		}
		fmt.Printf("| %d | %d | %d | %.1f | %.2f s | %d MiB |\n", pods, pods / *ratio, files, float64(size)/(1<<20),
			median(walls).Seconds(), median(rsss)/1024)
		if os.Getenv("AUDITBENCH_KEEP") == "" {
			_ = os.RemoveAll(dir)
		} else {
			log.Printf("corpus of %d pods kept in %s", pods, dir)
		}
	}
}

// write writes the synthetic cluster into dir, a file per namespace, and
// returns the number of files and bytes.
func write(dir string, pods, policies int) (int, int64) {
	byNamespace, err := synthetic.Manifests(pods, policies)
	if err != nil {
		log.Fatal(err)
	}
	var size int64
	for ns, docs := range byNamespace {
		var b bytes.Buffer
		for _, doc := range docs {
			b.WriteString("---\n")
			b.Write(doc)
		}
		if err := os.WriteFile(filepath.Join(dir, ns+".yaml"), b.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
		size += int64(b.Len())
	}
	return len(byNamespace), size
}

// writeInChild writes the corpus by running this command with
// -write-corpus, and returns the number of files and bytes.
func writeInChild(dir string, pods, ratio int) (files int, size int64) {
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command(self, "-write-corpus", dir, "-pods", strconv.Itoa(pods), "-pods-per-policy", strconv.Itoa(ratio))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("writing the corpus: %v", err)
	}
	if _, err := fmt.Sscan(string(out), &files, &size); err != nil {
		log.Fatalf("writing the corpus: %q: %v", out, err)
	}
	return files, size
}

// extraArgs are more arguments to audit.
var extraArgs []string

// audit runs the plugin on dir and returns its wall time and peak RSS (KiB).
func audit(plugin, dir string) (time.Duration, int64) {
	cmd := exec.Command(plugin, append([]string{"audit", "-f", dir, "-o", "table", "--fail-on", "none"}, extraArgs...)...)
	var errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &errOut
	start := time.Now()
	if err := cmd.Run(); err != nil {
		log.Fatalf("audit: %v\n%.2000s", err, errOut.String())
	}
	return time.Since(start), cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
}

func median[T int64 | time.Duration](xs []T) T {
	s := append([]T(nil), xs...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

// copyBinary copies a binary to a new temporary directory and returns the
// copy's path. How a binary's file sits in the page cache changes how many
// of its pages a process maps, which a peak RSS counts: on one machine the
// plugin's --help was resident at 99 MiB fresh from the linker, 111 MiB
// written with write(2), 67 MiB copied in the kernel (copy_file_range, as
// cp and io.Copy between files do). Every build is measured as such a copy.
func copyBinary(path string) (string, error) {
	in, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer func() { _ = in.Close() }()
	dir, err := os.MkdirTemp("", "auditbench-bin-")
	if err != nil {
		return "", err
	}
	outPath := filepath.Join(dir, filepath.Base(path))
	out, err := os.OpenFile(outPath, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return "", err
	}
	return outPath, out.Close()
}
