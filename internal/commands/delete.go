package commands

import (
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands/statecmd"
	"github.com/ocikit/ocikit/internal/container"
)

// Delete deletes containers.
type Delete struct {
	Force bool     `short:"f" help:"Kill a running container first; a missing container is not an error."`
	IDs   []string `arg:"" optional:"" name:"id" help:"Container IDs; none or - reads them from stdin, one per line, bare or as JSON with an \"id\" field."`
}

func (c *Delete) Run(e *cli.Env) error {
	store, err := statecmd.OpenStore(e)
	if err != nil {
		return err
	}
	if e.Runc && len(c.IDs) == 0 {
		return cli.Usagef("delete takes at least one container ID")
	}
	return cli.EachID(c.IDs, e.Stdin, func(id string) error {
		return container.Delete(store, id, c.Force, e.Log)
	})
}
