// Command oci-run creates, starts and waits for a container, then deletes
// it, exiting with its program's exit status.
package main

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/container"
	"github.com/ocikit/ocikit/internal/containerinit"
)

type cmd struct {
	cli.Globals
	Bundle        string `short:"b" help:"Bundle directory (default: the current directory)." placeholder:"DIR"`
	Detach        bool   `short:"d" help:"Start the container and return, printing its state."`
	Keep          bool   `help:"Do not delete the container after its program exits."`
	PidFile       string `help:"Write the init's pid to FILE." placeholder:"FILE"`
	ConsoleSocket string `help:"Send the pty master to the unix socket at PATH instead of using this terminal." placeholder:"PATH"`
	PreserveFDs   int    `name:"preserve-fds" help:"Pass N file descriptors from 3 up to the container's process." placeholder:"N"`
	NoPivot       bool   `help:"Do not use pivot_root (for a root on initramfs)."`
	ID            string `arg:"" help:"Container ID."`
}

func (c *cmd) Run(e *cli.Env) error {
	store, err := e.Store()
	if err != nil {
		return err
	}
	stdout := os.Stdout
	if c.Detach {
		stdout = os.Stderr // our stdout carries the state
	}
	code, rec, err := container.Run(&container.RunOptions{
		CreateOptions: container.CreateOptions{
			Store: store, ID: c.ID, Bundle: c.Bundle, PidFile: c.PidFile,
			ConsoleSocket: c.ConsoleSocket, PreserveFDs: c.PreserveFDs, NoPivot: c.NoPivot,
			Stdin: os.Stdin, Stdout: stdout, Stderr: os.Stderr, Log: e.Log,
		},
		Detach: c.Detach,
		Keep:   c.Keep,
	})
	if err != nil {
		return err
	}
	if c.Detach {
		return cli.PrintJSON(e.Stdout, rec.View())
	}
	if code != 0 {
		return &cli.ExitError{Code: code}
	}
	return nil
}

func main() {
	containerinit.RunIfInit()
	os.Exit(cli.Main("oci-run", "Run a container in the foreground: create, start, wait, delete.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
