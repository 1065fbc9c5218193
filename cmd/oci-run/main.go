// Command oci-run — Run a container in the foreground: create, start, wait, delete.
package main

import (
	"os"

	// cgroup v2 device rules: only the tools that create containers link
	// cilium/ebpf (package devicebpf registers itself with cgroups).
	_ "github.com/ocikit/ocikit/internal/cgroups/devicebpf"
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
