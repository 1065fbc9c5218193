package commands

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/container"
	"github.com/ocikit/ocikit/internal/state"
)

// RunContainer creates, starts and waits for a container, then deletes it
// (named so, as a Run field would hide the Run method where it is embedded).
type RunContainer struct {
	CreateFlags
	Detach bool   `short:"d" help:"Start the container and return, printing its state."`
	Keep   bool   `help:"Do not delete the container after its program exits."`
	ID     string `arg:"" help:"Container ID."`
}

func (c *RunContainer) Run(e *cli.Env) error {
	stdout := os.Stdout
	if c.Detach && !e.Runc {
		stdout = os.Stderr // our stdout carries the state
	}
	o, err := c.options(e, c.ID, stdout)
	if err != nil {
		return err
	}
	code, rec, err := container.Run(&container.RunOptions{CreateOptions: o, Detach: c.Detach, Keep: c.Keep})
	if err != nil {
		return err
	}
	return ranTo(e, c.Detach, code, rec)
}

// ranTo ends a command that ran a container's program (run, restore): a
// detached one prints the container's state (runc prints nothing), one
// waited for exits with the program's status.
func ranTo(e *cli.Env, detach bool, code int, rec *state.Record) error {
	if detach {
		if e.Runc {
			return nil
		}
		return cli.PrintJSON(e.Stdout, rec.View())
	}
	if code != 0 {
		return &cli.ExitError{Code: code}
	}
	return nil
}
