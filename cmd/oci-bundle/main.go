// Command oci-bundle makes OCI bundles: a root filesystem unpacked from a
// tar archive or an image (OCI layout, oci-archive, docker-archive) and a
// config.json, and describes them.
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
	"github.com/ocikit/ocikit/internal/image"
)

type command struct {
	cli.Globals
	Create  createCmd  `cmd:"" help:"Make a bundle directory from a root filesystem tar archive or an image, and print its summary."`
	Inspect inspectCmd `cmd:"" help:"Print the summary of a bundle directory."`
}

type createCmd struct {
	FromTar     string `name:"from-tar" help:"Root filesystem tar archive, plain, gzip or zstd (as docker export writes it); - reads stdin." placeholder:"FILE"`
	FromLayout  string `name:"from-layout" help:"OCI image layout directory; REF picks the image by its org.opencontainers.image.ref.name." placeholder:"DIR[:REF]"`
	FromArchive string `name:"from-archive" help:"Image archive, oci-archive or docker-archive (told apart by content); REF picks the image by ref name or RepoTag." placeholder:"FILE[:REF]"`
	Rootless    bool   `help:"Make a bundle an ordinary user can run: no ownership or device nodes from the archive, rootless config.json (implied when not run as root)."`
	Force       bool   `help:"Allow a non-empty DIR; its rootfs and config.json are replaced."`
	Dir         string `arg:"" help:"Bundle directory to make." placeholder:"DIR"`
}

func (c *createCmd) Run(e *cli.Env) error {
	n := 0
	for _, s := range []string{c.FromTar, c.FromLayout, c.FromArchive} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return cli.Usagef("exactly one of --from-tar, --from-layout, --from-archive is required")
	}
	// An interrupt stops the unpacking between entries, so the cleanup of
	// a failed create still runs.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := bundle.Options{Rootless: c.Rootless, Force: c.Force, Log: e.Log}
	if c.FromTar != "" {
		if err := c.fromTar(ctx, e, opts); err != nil {
			return err
		}
		sum, err := bundle.Inspect(c.Dir)
		if err != nil {
			return err
		}
		return cli.PrintJSON(e.Stdout, sum)
	}
	src := image.Source{Kind: image.Layout}
	arg := c.FromLayout
	if c.FromArchive != "" {
		src.Kind, arg = image.Archive, c.FromArchive
	}
	src.Path, src.Ref = image.SplitRef(arg)
	img, err := image.Open(src, nil)
	if err != nil {
		return err
	}
	defer img.Close()
	bar := newProgressBar(e.Stderr)
	opts.Progress = bar.update
	sum, err := bundle.CreateFromImage(ctx, c.Dir, img, opts)
	bar.finish()
	if err != nil {
		return err
	}
	return cli.PrintJSON(e.Stdout, sum)
}

func (c *createCmd) fromTar(ctx context.Context, e *cli.Env, opts bundle.Options) error {
	var in io.Reader = e.Stdin
	if c.FromTar != "-" {
		f, err := os.Open(c.FromTar)
		if err != nil {
			return fmt.Errorf("archive %q: %w", c.FromTar, err)
		}
		defer f.Close()
		in = f
	}
	// A summary left by an image this rootfs replaces (--force) goes with
	// it: Create removes it.
	return bundle.Create(ctx, c.Dir, in, opts)
}

type inspectCmd struct {
	Dir string `arg:"" help:"Bundle directory." placeholder:"DIR"`
}

func (c *inspectCmd) Run(e *cli.Env) error {
	sum, err := bundle.Inspect(c.Dir)
	if err != nil {
		return err
	}
	return cli.PrintJSON(e.Stdout, sum)
}

func main() {
	var cmd command
	os.Exit(cli.Main("oci-bundle", "Make OCI bundles from root filesystem archives and images.", &cmd, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
