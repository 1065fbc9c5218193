// Command oci-exec — Run a new process in a running container.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands"
	"github.com/ocikit/ocikit/internal/containerinit"
)

type cmd struct {
	cli.Globals
	commands.Exec
}

func main() {
	containerinit.RunIfInit()
	os.Exit(cli.Main("oci-exec", "Run a new process in a running container.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
