// Command oci-stats — Print the resource usage of a container.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands"
)

type cmd struct {
	cli.Globals
	commands.Stats
}

func main() {
	os.Exit(cli.Main("oci-stats", "Print the resource usage of a container.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
