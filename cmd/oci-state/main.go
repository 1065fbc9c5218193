// Command oci-state prints the state of containers, one JSON line each.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/container"
	"github.com/ocikit/ocikit/internal/state"
)

type cmd struct {
	cli.Globals
	Format string   `help:"Output format: json (one line per container) or table." enum:"json,table" default:"json"`
	IDs    []string `arg:"" optional:"" name:"id" help:"Container IDs; none lists every container."`
}

func (c *cmd) Run(e *cli.Env) error {
	store, err := e.Store()
	if err != nil {
		return err
	}
	var views []state.View
	var errs error
	if len(c.IDs) == 0 {
		if views, err = container.List(store); err != nil {
			return err
		}
	} else {
		errs = cli.EachID(c.IDs, e.Stdin, func(id string) error {
			v, err := container.State(store, id)
			if err == nil {
				views = append(views, v)
			}
			return err
		})
	}
	if c.Format == "table" {
		cli.PrintStateTable(e.Stdout, views)
		return errs
	}
	for _, v := range views {
		if err := cli.PrintJSON(e.Stdout, v); err != nil {
			return err
		}
	}
	return errs
}

func main() {
	os.Exit(cli.Main("oci-state", "Print the state of containers.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
