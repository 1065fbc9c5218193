package container

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"log/slog"
	"os"

	"github.com/ocikit/ocikit/internal/state"
)

// CreateOptions are the inputs of Create.
type CreateOptions struct {
	Store         *state.Store
	ID            string
	Bundle        string // default: the current directory
	PidFile       string
	ConsoleSocket string // path of a unix socket to send the pty master to
	PreserveFDs   int
	NoPivot       bool
	NoNewKeyring  bool // keep the caller's session keyring
	// Stdio of the container's process (nil: /dev/null).
	Stdin, Stdout, Stderr *os.File
	Log                   *slog.Logger

	// console, when set, receives the pty master instead of a socket
	// path: Run uses a socketpair.
	console *os.File
	// startsAtOnce: Run starts the container right after the create, so
	// the init need not hand the waiting over to the waiter.
	startsAtOnce bool
	// loaded is the bundle when the caller has read it already (Run
	// needs the spec before it creates), so it is read once.
	loaded *bundleInfo
}

// bundleInfo is a bundle read and checked by loadBundle.
type bundleInfo struct {
	dir, rootfs string
	spec        *specs.Spec
	config      []byte // config.json as read, the text the spec was parsed from
}
