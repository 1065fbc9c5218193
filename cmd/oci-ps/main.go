// Command oci-ps — List the processes of containers.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands"
)

type cmd struct {
	cli.Globals
	commands.Ps
}

func main() {
	os.Exit(cli.Main("oci-ps", "List the processes of containers.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
