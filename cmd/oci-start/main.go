// Command oci-start — Start created containers.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands"
)

type cmd struct {
	cli.Globals
	commands.Start
}

func main() {
	os.Exit(cli.Main("oci-start", "Start created containers.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
