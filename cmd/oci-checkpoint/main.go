// Command oci-checkpoint — Save a running container's processes with CRIU.
package main

import (
	"os"

	"github.com/alecthomas/kong"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands"
)

type cmd struct {
	cli.Globals
	Criu commands.CRIUPath `help:"The criu binary (default: criu from PATH or /usr/sbin)." placeholder:"PATH"`
	commands.Checkpoint
}

func main() {
	c := &cmd{}
	os.Exit(cli.Main("oci-checkpoint", "Save a running container's processes with CRIU.", c, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, kong.Bind(&c.Criu)))
}
