// Command oci-bundle makes OCI bundles: a root filesystem unpacked from a
// tar archive and a default config.json.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/ocikit/ocikit/internal/bundle"
	"github.com/ocikit/ocikit/internal/cli"
)

type command struct {
	cli.Globals
	Create createCmd `cmd:"" help:"Make a bundle directory from a root filesystem tar archive."`
}

type createCmd struct {
	FromTar  string `name:"from-tar" required:"" help:"Root filesystem tar archive, plain or gzip-compressed (as docker export writes it); - reads stdin." placeholder:"FILE"`
	Rootless bool   `help:"Make a bundle an ordinary user can run: no ownership or device nodes from the archive, rootless config.json (implied when not run as root)."`
	Force    bool   `help:"Allow a non-empty DIR; its rootfs and config.json are replaced."`
	Dir      string `arg:"" help:"Bundle directory to make." placeholder:"DIR"`
}

func (c *createCmd) Run(e *cli.Env) error {
	var in io.Reader = e.Stdin
	if c.FromTar != "-" {
		f, err := os.Open(c.FromTar)
		if err != nil {
			return fmt.Errorf("archive %q: %w", c.FromTar, err)
		}
		defer f.Close()
		in = f
	}
	// An interrupt stops the unpacking between entries, so the cleanup of
	// a failed create still runs.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return bundle.Create(ctx, c.Dir, in, bundle.Options{Rootless: c.Rootless, Force: c.Force, Log: e.Log})
}

func main() {
	var cmd command
	os.Exit(cli.Main("oci-bundle", "Make OCI bundles from root filesystem archives.", &cmd, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
