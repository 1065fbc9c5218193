// Command oci-resume — Thaw paused containers.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands"
)

type cmd struct {
	cli.Globals
	commands.Resume
}

func main() {
	os.Exit(cli.Main("oci-resume", "Thaw paused containers.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
