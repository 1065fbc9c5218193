// Command oci-kill — Send a signal to containers.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands"
)

type cmd struct {
	cli.Globals
	commands.Kill
}

func main() {
	os.Exit(cli.Main("oci-kill", "Send a signal to containers.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
