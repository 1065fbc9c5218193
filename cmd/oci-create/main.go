// Command oci-create — Create a container from an OCI bundle and print its state.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands"
	"github.com/ocikit/ocikit/internal/containerinit"
)

type cmd struct {
	cli.Globals
	commands.Create
}

func main() {
	containerinit.RunIfInit()
	os.Exit(cli.Main("oci-create", "Create a container from an OCI bundle and print its state.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
