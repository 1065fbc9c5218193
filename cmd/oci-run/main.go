// Command oci-run — Run a container in the foreground: create, start, wait, delete.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands"
	"github.com/ocikit/ocikit/internal/containerinit"
)

type cmd struct {
	cli.Globals
	commands.RunContainer
}

func main() {
	containerinit.RunIfInit()
	os.Exit(cli.Main("oci-run", "Run a container in the foreground: create, start, wait, delete.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
