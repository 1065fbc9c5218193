// Command oci-update — Change the resource limits of a container.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands"
)

type cmd struct {
	cli.Globals
	commands.Update
}

func main() {
	os.Exit(cli.Main("oci-update", "Change the resource limits of a container.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
