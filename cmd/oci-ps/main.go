// Command oci-ps — List the processes of containers.
//
// Start-up settings shared by every tool: see package cli.
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
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
