// Command oci-restore — Restore a checkpointed container with CRIU.
package main

import (
	"os"

	"github.com/alecthomas/kong"

	// cgroup v2 device rules: restore makes the container's cgroup and
	// applies its device rules, as create does (see oci-create).
	_ "github.com/ocikit/ocikit/internal/cgroups/devicebpf"
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands"
)

type cmd struct {
	cli.Globals
	Criu commands.CRIUPath `help:"The criu binary (default: criu from PATH or /usr/sbin)." placeholder:"PATH"`
	commands.Restore
}

func main() {
	c := &cmd{}
	os.Exit(cli.Main("oci-restore", "Restore a checkpointed container with CRIU.", c, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, kong.Bind(&c.Criu)))
}
