// Command oci-pause — Freeze every process of running containers.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands"
)

type cmd struct {
	cli.Globals
	commands.Pause
}

func main() {
	os.Exit(cli.Main("oci-pause", "Freeze every process of running containers.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
