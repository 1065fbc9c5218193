package commands

import (
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands/statecmd"
	"github.com/ocikit/ocikit/internal/container"
)

// Start starts created containers.
type Start struct {
	IDs []string `arg:"" optional:"" name:"id" help:"Container IDs; none or - reads them from stdin, one per line, bare or as JSON with an \"id\" field."`
}

func (c *Start) Run(e *cli.Env) error {
	store, err := statecmd.OpenStore(e)
	if err != nil {
		return err
	}
	if e.Runc && len(c.IDs) != 1 {
		return cli.Usagef("start takes exactly one container ID")
	}
	return cli.EachID(c.IDs, e.Stdin, func(id string) error {
		rec, err := container.Start(store, id, e.Log)
		if err != nil || e.Runc {
			return err
		}
		return cli.PrintJSON(e.Stdout, rec.View())
	})
}
