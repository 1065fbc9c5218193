// Command oci-state — Print the state of containers.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands/statecmd"
)

type cmd struct {
	cli.Globals
	statecmd.State
}

func main() {
	os.Exit(cli.Main("oci-state", "Print the state of containers.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
