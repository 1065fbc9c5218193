package specgen

import (
	"os"

	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/spec"
)

// SpecFlags are the flags of writing the default config.json. oci-spec
// takes the bundle as a flag of its own, shared with its edits; runc's
// spec has it here (Spec).
type SpecFlags struct {
	Rootless bool   `help:"Write a config an ordinary user can run (user namespace mapping root to the caller)."`
	Force    bool   `help:"Overwrite an existing config.json."`
	Output   string `short:"o" help:"Write to FILE instead of DIR/config.json; - for stdout." placeholder:"FILE"`
}

// Write writes the default config.json into bundle.
func (c *SpecFlags) Write(e *cli.Env, bundle string) error {
	return spec.WriteDefault(spec.ConfigPath(bundle, c.Output), spec.DefaultOptions{
		Rootless: c.Rootless,
		UID:      uint32(os.Geteuid()),
		GID:      uint32(os.Getegid()),
		Force:    c.Force,
	}, e.Stdout)
}

// Spec writes the default config.json into a bundle (runc spec).
type Spec struct {
	Bundle string `short:"b" help:"Bundle directory holding config.json (default: the current directory)." placeholder:"DIR"`
	SpecFlags
}

func (c *Spec) Run(e *cli.Env) error { return c.Write(e, c.Bundle) }
