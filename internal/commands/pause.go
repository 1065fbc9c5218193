package commands

import (
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands/statecmd"
	"github.com/ocikit/ocikit/internal/container"
	"github.com/ocikit/ocikit/internal/state"
)

// Pause freezes running containers.
type Pause struct {
	IDs []string `arg:"" optional:"" name:"id" help:"Container IDs; none or - reads them from stdin, one per line, bare or as JSON with an \"id\" field."`
}

func (c *Pause) Run(e *cli.Env) error {
	return setPaused(e, "pause", c.IDs, container.Pause)
}

// Resume thaws paused containers.
type Resume struct {
	IDs []string `arg:"" optional:"" name:"id" help:"Container IDs; none or - reads them from stdin, one per line, bare or as JSON with an \"id\" field."`
}

func (c *Resume) Run(e *cli.Env) error {
	return setPaused(e, "resume", c.IDs, container.Resume)
}

// setPaused runs op on each ID and prints each container's new state, as
// oci-start does, so a pipeline can go on with the same IDs; the runc
// face prints nothing.
func setPaused(e *cli.Env, name string, ids []string, op func(*state.Store, string) (*state.Record, error)) error {
	store, err := statecmd.OpenStore(e)
	if err != nil {
		return err
	}
	if e.Runc && len(ids) != 1 {
		return cli.Usagef("%s takes exactly one container ID", name)
	}
	return cli.EachID(ids, e.Stdin, func(id string) error {
		rec, err := op(store, id)
		if err != nil || e.Runc {
			return err
		}
		return cli.PrintJSON(e.Stdout, rec.View())
	})
}
