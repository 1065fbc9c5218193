package specgen

import (
	"errors"
	"fmt"
	"os"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/subid"
)

// SpecFlags are the flags of writing the default config.json. oci-spec
// takes the bundle as a flag of its own, shared with its edits; runc's
// spec has it here (Spec).
type SpecFlags struct {
	Rootless bool   `help:"Write a config an ordinary user can run (user namespace mapping root to the caller)."`
	SubIDs   bool   `name:"subids" help:"With --rootless, also map container IDs 1 and up to the caller's ranges in /etc/subuid and /etc/subgid (written by newuidmap and newgidmap)."`
	UserNS   string `name:"userns" placeholder:"auto[:size=N][,user=NAME]" help:"Write a system container for a root runtime: a user namespace whose mappings the runtime picks at create from the subordinate ranges of user NAME (default ocikit), N IDs (default 65536; auto=N for short), with every capability and no masks under /proc and /sys."`
	Force    bool   `help:"Overwrite an existing config.json."`
	Output   string `short:"o" help:"Write to FILE instead of DIR/config.json; - for stdout." placeholder:"FILE"`
}

// Write writes the default config.json into bundle.
func (c *SpecFlags) Write(e *cli.Env, bundle string) error {
	opts := spec.DefaultOptions{
		Rootless: c.Rootless,
		UID:      uint32(os.Geteuid()),
		GID:      uint32(os.Getegid()),
		UserNS:   spec.UserNSFlag(c.UserNS),
		Force:    c.Force,
	}
	switch {
	case c.SubIDs && !c.Rootless:
		return &cerr.Usage{Err: errors.New("--subids needs --rootless")}
	case c.Rootless && c.UserNS != "":
		return &cerr.Usage{Err: errors.New("--rootless and --userns contradict each other")}
	case c.UserNS != "":
		if _, err := spec.ParseUserNS(opts.UserNS); err != nil {
			return &cerr.Usage{Err: fmt.Errorf("--userns: %w", err)}
		}
	case c.SubIDs:
		var err error
		if opts.SubUIDs, opts.SubGIDs, err = subid.ForUser(opts.UID); err != nil {
			return fmt.Errorf("--subids: %w", err)
		}
	}
	return spec.WriteDefault(spec.ConfigPath(bundle, c.Output), opts, e.Stdout)
}

// Spec writes the default config.json into a bundle (runc spec).
type Spec struct {
	Bundle string `short:"b" help:"Bundle directory holding config.json (default: the current directory)." placeholder:"DIR"`
	SpecFlags
}

func (c *Spec) Run(e *cli.Env) error { return c.Write(e, c.Bundle) }
