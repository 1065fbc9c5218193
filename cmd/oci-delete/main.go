// Command oci-delete deletes containers.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/container"
)

type cmd struct {
	cli.Globals
	Force bool     `short:"f" help:"Kill a running container first; a missing container is not an error."`
	IDs   []string `arg:"" optional:"" name:"id" help:"Container IDs; none or - reads them from stdin, one per line, bare or as JSON with an \"id\" field."`
}

func (c *cmd) Run(e *cli.Env) error {
	store, err := e.Store()
	if err != nil {
		return err
	}
	return cli.EachID(c.IDs, e.Stdin, func(id string) error {
		return container.Delete(store, id, c.Force)
	})
}

func main() {
	os.Exit(cli.Main("oci-delete", "Delete containers.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
