package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/alecthomas/kong"
)

// Version is the toolkit's version, set at link time by the Makefile.
var Version = "0.1.0-dev"

// Globals are the flags every tool accepts. Embed it in a tool's command
// struct.
type Globals struct {
	Root      string           `help:"State directory (default: /run/ocikit for root, $$XDG_RUNTIME_DIR/ocikit otherwise)." env:"OCIKIT_ROOT" placeholder:"DIR"`
	Log       string           `help:"Append log messages to FILE instead of stderr." placeholder:"FILE"`
	LogFormat string           `help:"Format of log messages and errors: text or json." enum:"text,json" default:"text"`
	Debug     bool             `help:"Log debug messages."`
	Version   kong.VersionFlag `help:"Print the version and exit."`
}

func (g *Globals) globals() *Globals { return g }

// DefaultRoot is the state directory used when --root and OCIKIT_ROOT are
// unset: /run/ocikit for root, $XDG_RUNTIME_DIR/ocikit for other users, and
// a per-user folder under the temporary directory when that is unset too.
func DefaultRoot() string {
	if os.Geteuid() == 0 {
		return "/run/ocikit"
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "ocikit")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("ocikit-%d", os.Geteuid()))
}

// StateRoot returns the state directory chosen by the flags, made
// absolute; an existing one must belong to the caller (checkRootOwner).
func (g *Globals) StateRoot() (string, error) {
	root := g.Root
	if root == "" {
		root = DefaultRoot()
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("state directory %q: %w", root, err)
	}
	if err := checkRootOwner(abs); err != nil {
		return "", err
	}
	return abs, nil
}
