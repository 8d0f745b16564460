// Command kubectl-netinv is the kubectl netinv plugin: installed on the
// PATH, it runs as `kubectl netinv`; it also runs standalone.
package main

import (
	"errors"
	"fmt"
	"os"

	"netinventory.io/netinventory/internal/cli"
)

func main() {
	cmd := cli.NewCommand(cli.Streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		var exit *cli.ExitError
		if errors.As(err, &exit) {
			os.Exit(exit.Code)
		}
		os.Exit(2)
	}
}
