package commands

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands/statecmd"
	"github.com/ocikit/ocikit/internal/container"
)

// Restore brings a checkpointed container back.
type Restore struct {
	CRIUFlags
	Bundle        string `short:"b" help:"Bundle to restore into (default: the checkpointed container's)." placeholder:"DIR"`
	Detach        bool   `short:"d" help:"Return once the container runs, printing its state."`
	PidFile       string `help:"Write the restored init's pid to FILE." placeholder:"FILE"`
	ConsoleSocket string `help:"Not supported: a terminal cannot be handed over at restore (an error when given)." placeholder:"PATH"`
	NoSubreaper   bool   `help:"Do not wait for the restored program as its parent (needs --detach)."`
	NoPivot       bool   `help:"Accepted for runc's command line; criu enters the root filesystem itself."`
	ID            string `arg:"" help:"Container ID."`
}

func (c *Restore) Run(e *cli.Env, bin *CRIUPath) error {
	if c.ConsoleSocket != "" {
		return cli.Usagef("--console-socket: restoring a container's terminal is not supported (checkpoint it with --shell-job)")
	}
	store, err := statecmd.OpenStore(e)
	if err != nil {
		return err
	}
	o, err := c.options(bin)
	if err != nil {
		return err
	}
	// The toolkit prints the state of a detached restore on stdout, so
	// the container's stdout is our stderr there, as at create.
	stdout := os.Stdout
	if c.Detach && !e.Runc {
		stdout = os.Stderr
	}
	code, rec, err := container.Restore(&container.RestoreOptions{
		CRIUOptions: o, Store: store, ID: c.ID, Bundle: c.Bundle, PidFile: c.PidFile,
		Detach: c.Detach, NoSubreaper: c.NoSubreaper,
		Stdin: os.Stdin, Stdout: stdout, Stderr: os.Stderr, Log: e.Log,
	})
	if err != nil {
		return err
	}
	return ranTo(e, c.Detach, code, rec)
}
