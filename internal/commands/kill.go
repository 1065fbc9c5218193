package commands

import (
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands/statecmd"
	"github.com/ocikit/ocikit/internal/container"
	"github.com/ocikit/ocikit/internal/signals"
)

// Kill sends a signal to containers.
type Kill struct {
	All    bool   `short:"a" help:"Signal every process in the container's cgroup, not only its init."`
	ID     string `arg:"" help:"Container ID; - reads IDs from stdin, one per line, bare or as JSON with an \"id\" field."`
	Signal string `arg:"" optional:"" default:"SIGTERM" help:"Signal name (with or without SIG) or number."`
}

func (c *Kill) Run(e *cli.Env) error {
	sig, err := signals.Parse(c.Signal)
	if err != nil {
		return cli.Usagef("%v", err)
	}
	store, err := statecmd.OpenStore(e)
	if err != nil {
		return err
	}
	if e.Runc {
		return container.Kill(store, c.ID, sig, c.All)
	}
	return cli.EachID([]string{c.ID}, e.Stdin, func(id string) error {
		return container.Kill(store, id, sig, c.All)
	})
}
