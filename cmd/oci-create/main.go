// Command oci-create creates a container from a bundle and leaves it
// created, its program not yet started; it prints the state as JSON.
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
	PidFile       string `help:"Write the init's pid to FILE." placeholder:"FILE"`
	ConsoleSocket string `help:"Send the pty master to the unix socket at PATH (for process.terminal)." placeholder:"PATH"`
	PreserveFDs   int    `name:"preserve-fds" help:"Pass N file descriptors from 3 up to the container's process." placeholder:"N"`
	NoPivot       bool   `help:"Do not use pivot_root (for a root on initramfs)."`
	ID            string `arg:"" help:"Container ID."`
}

func (c *cmd) Run(e *cli.Env) error {
	store, err := e.Store()
	if err != nil {
		return err
	}
	// The container must not hold our stdout: the state goes there, and
	// a reader such as jq would wait for the container to exit.
	rec, err := container.Create(&container.CreateOptions{
		Store: store, ID: c.ID, Bundle: c.Bundle, PidFile: c.PidFile,
		ConsoleSocket: c.ConsoleSocket, PreserveFDs: c.PreserveFDs, NoPivot: c.NoPivot,
		Stdin: os.Stdin, Stdout: os.Stderr, Stderr: os.Stderr, Log: e.Log,
	})
	if err != nil {
		return err
	}
	return cli.PrintJSON(e.Stdout, rec.View())
}

func main() {
	containerinit.RunIfInit()
	os.Exit(cli.Main("oci-create", "Create a container from an OCI bundle and print its state.", &cmd{}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
