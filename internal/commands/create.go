package commands

import (
	"github.com/ocikit/ocikit/internal/commands/statecmd"
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/container"
)

// CreateFlags are the flags of the commands that create a container.
type CreateFlags struct {
	Bundle        string `short:"b" help:"Bundle directory (default: the current directory)." placeholder:"DIR"`
	PidFile       string `help:"Write the init's pid to FILE." placeholder:"FILE"`
	ConsoleSocket string `help:"Send the pty master to the unix socket at PATH (for process.terminal)." placeholder:"PATH"`
	PreserveFDs   int    `name:"preserve-fds" help:"Pass N file descriptors from 3 up to the container's process." placeholder:"N"`
	NoPivot       bool   `help:"Do not use pivot_root (for a root on initramfs)."`
	NoNewKeyring  bool   `help:"Keep the caller's session keyring instead of giving the container a new one."`
}

func (f *CreateFlags) options(e *cli.Env, id string, stdout *os.File) (container.CreateOptions, error) {
	store, err := statecmd.OpenStore(e)
	if err != nil {
		return container.CreateOptions{}, err
	}
	return container.CreateOptions{
		Store: store, ID: id, Bundle: f.Bundle, PidFile: f.PidFile,
		ConsoleSocket: f.ConsoleSocket, PreserveFDs: f.PreserveFDs, NoPivot: f.NoPivot,
		NoNewKeyring: f.NoNewKeyring,
		Stdin:        os.Stdin, Stdout: stdout, Stderr: os.Stderr, Log: e.Log,
	}, nil
}

// Create creates a container and leaves it created.
type Create struct {
	CreateFlags
	ID string `arg:"" help:"Container ID."`
}

func (c *Create) Run(e *cli.Env) error {
	// The toolkit prints the state on stdout, so the container must not
	// hold that stream (a reader such as jq would wait for the container
	// to exit): its stdout is our stderr. runc prints nothing and passes
	// all three streams through, as engines expect.
	stdout := os.Stderr
	if e.Runc {
		stdout = os.Stdout
	}
	o, err := c.options(e, c.ID, stdout)
	if err != nil {
		return err
	}
	rec, err := container.Create(&o)
	if err != nil || e.Runc {
		return err
	}
	return cli.PrintJSON(e.Stdout, rec.View())
}
