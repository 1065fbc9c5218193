// Command oci-ps lists the processes of containers, one JSON line each.
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

type line struct {
	ID string `json:"id"`
	container.Proc
}

func (c *cmd) Run(e *cli.Env) error {
	store, err := e.Store()
	if err != nil {
		return err
	}
	return cli.EachID(c.IDs, e.Stdin, func(id string) error {
		procs, err := container.Ps(store, id)
		if err != nil {
			return err
		}
		for _, p := range procs {
			if err := cli.PrintJSON(e.Stdout, line{ID: id, Proc: p}); err != nil {
				return err
			}
		}
		return nil
	})
}

func main() {
	os.Exit(cli.Main("oci-ps", "List the processes of containers.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
