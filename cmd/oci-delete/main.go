// Command oci-delete — Delete containers.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands"
)

type cmd struct {
	cli.Globals
	commands.Delete
}

func main() {
	os.Exit(cli.Main("oci-delete", "Delete containers.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
