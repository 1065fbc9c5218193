package speccmd

import (
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/features"
	"github.com/ocikit/ocikit/internal/spec"
)

// Validate checks a config.json (oci-spec validate): nothing on stdout and
// exit 0 when it is valid, otherwise one line per problem and exit 1.
// Warnings alone exit 0.
type Validate struct {
	File     string `short:"f" help:"Config file to check instead of DIR/config.json (root.path is then not looked for); - reads stdin." placeholder:"FILE"`
	Format   string `enum:"json,text" default:"json" help:"Output: json (one object per problem per line) or text (PATH: MESSAGE (severity))."`
	Features bool   `help:"Also report every field this runtime would ignore (warning) or refuse (error) on this machine, from its features document."`
}

// Run validates the config of the bundle (or c.File) and prints the
// problems on e.Stdout.
func (c *Validate) Run(e *cli.Env, b BundleDir) error {
	bundle := string(b)
	opts := spec.Options{}
	if c.File == "" {
		// root.path is relative to the bundle: only a config read from
		// its bundle can be checked for it.
		if bundle == "" {
			bundle = "."
		}
		opts.Bundle = bundle
	}
	s, ps, err := spec.CheckFile(b.Config(c.File), e.Stdin, opts)
	if err != nil {
		return err
	}
	if c.Features && s != nil {
		// A field the validator reports already is not repeated.
		ps = features.AppendNew(ps, features.Unsupported(s, features.Document(cli.Version))...)
	}
	if err := spec.WriteProblems(e.Stdout, ps, c.Format); err != nil {
		return err
	}
	if spec.HasErrors(ps) {
		// The problems are the message: nothing more on stderr.
		return &cli.ExitError{Code: cli.ExitFailure}
	}
	return nil
}
