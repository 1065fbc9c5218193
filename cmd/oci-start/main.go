// Command oci-start starts created containers and prints their state.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/container"
)

type cmd struct {
	cli.Globals
	IDs []string `arg:"" optional:"" name:"id" help:"Container IDs; none or - reads them from stdin, one per line, bare or as JSON with an \"id\" field."`
}

func (c *cmd) Run(e *cli.Env) error {
	store, err := e.Store()
	if err != nil {
		return err
	}
	return cli.EachID(c.IDs, e.Stdin, func(id string) error {
		rec, err := container.Start(store, id)
		if err != nil {
			return err
		}
		return cli.PrintJSON(e.Stdout, rec.View())
	})
}

func main() {
	os.Exit(cli.Main("oci-start", "Start created containers.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
