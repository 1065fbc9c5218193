package speccmd

import (
	"errors"
	"fmt"
	"os"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/spec/specedit"
	"github.com/ocikit/ocikit/internal/subid"
)

// Args sets the program a container runs (oci-spec args -- CMD [ARG...]).
type Args struct {
	FileFlag
	Command []string `arg:"" passthrough:"partial" name:"CMD" help:"The program and its arguments, for process.args; put -- before them when they start with a dash."`
}

func (c *Args) Run(e *cli.Env, b BundleDir) error {
	// kong hands a passthrough argument the "--" that ends the flags;
	// it separates, it is not the program. A second one is the program's.
	cmd := c.Command
	if len(cmd) > 0 && cmd[0] == "--" {
		cmd = cmd[1:]
	}
	edit, err := specedit.SetArgs(cmd)
	if err != nil {
		return &cerr.Usage{Err: err}
	}
	return specedit.EditFile(b.Config(c.File), e.Stdin, e.Stdout, edit)
}

// Modify makes the common edits by meaning (oci-spec edit): each flag is a
// path edit of its own, and they compose in the order
// specedit.Changes documents. Repeatable flags take one value each (a
// comma is part of the value, not a separator).
type Modify struct {
	FileFlag

	Rootless bool   `help:"Convert the config to one an ordinary user can run, as generating with --rootless does: a user namespace mapping root to the caller, no uid=/gid= mount options, /sys bound from the host, no linux.resources. Applied first, so the other flags win."`
	SubIDs   bool   `name:"subids" help:"With --rootless, also map container IDs 1 and up to the caller's ranges in /etc/subuid and /etc/subgid (written by newuidmap and newgidmap)."`
	UserNS   string `name:"userns" placeholder:"auto[:size=N][,user=NAME]" help:"Convert the config to a system container, as generating with --userns does: a new user namespace without mappings (the runtime picks them), the annotation org.ocikit.userns, every capability, no masks under /proc and /sys. Applied first, so the other flags win."`

	UnsetEnv       []string `name:"unset-env" sep:"none" placeholder:"KEY" help:"Remove the variable KEY from process.env (repeatable)."`
	Env            []string `sep:"none" placeholder:"KEY=VALUE" help:"Set KEY in process.env, in place of an existing KEY (repeatable)."`
	Cwd            string   `placeholder:"DIR" help:"Set process.cwd (an absolute path)."`
	User           string   `placeholder:"UID[:GID]" help:"Set process.user.uid, and gid when given (numbers)."`
	AdditionalGids []string `name:"additional-gids" sep:"none" placeholder:"GID[,GID...]" help:"Set process.user.additionalGids (repeatable; an empty value clears them)."`
	Terminal       *bool    `negatable:"" help:"Give the process a terminal (process.terminal); --no-terminal takes it away."`

	CapDrop []string `name:"cap-drop" sep:"none" placeholder:"CAP" help:"Remove a capability from all five sets (CAP_ prefix and case optional; ALL for every one; repeatable)."`
	CapAdd  []string `name:"cap-add" sep:"none" placeholder:"CAP" help:"Add a capability to all five sets (ALL for every one; repeatable)."`
	Rlimit  []string `sep:"none" placeholder:"TYPE=SOFT[:HARD]" help:"Set an rlimit, e.g. nofile=1024:4096 or core=unlimited (repeatable)."`

	Hostname *string `placeholder:"NAME" help:"Set the hostname."`
	Readonly *bool   `negatable:"" help:"Make the root filesystem read-only (root.readonly); --no-readonly writable."`

	Unmount []string `sep:"none" placeholder:"DST" help:"Remove the mounts at destination DST (repeatable)."`
	Mount   []string `sep:"none" placeholder:"type=T,src=S,dst=D,options=O,..." help:"Add a mount, replacing one at the same destination; keys type (default bind), source|src, destination|dst|target, options (last: takes the rest, commas included). Bind mounts get rbind unless options say bind (repeatable)."`

	NoNamespace []string `name:"no-namespace" sep:"none" placeholder:"TYPE" help:"Remove the namespace of TYPE (repeatable)."`
	Namespace   []string `sep:"none" placeholder:"TYPE[=PATH]" help:"Add a namespace of TYPE (pid, network|net, mount|mnt, ipc, uts, user, cgroup, time), or join the one at PATH (repeatable)."`

	Sysctl     []string `sep:"none" placeholder:"KEY=VALUE" help:"Set a sysctl in linux.sysctl (repeatable)."`
	Annotation []string `sep:"none" placeholder:"KEY=VALUE" help:"Set an annotation (repeatable)."`

	Memory    string `placeholder:"SIZE" help:"Set the memory limit: bytes, or with k, m, g, t (binary: 512m, 1.5g); unlimited for none."`
	CPUs      string `name:"cpus" placeholder:"N" help:"Limit CPU time to N CPUs (quota N*100000 per period 100000)."`
	PidsLimit string `name:"pids-limit" placeholder:"N" help:"Set the pids limit; unlimited for none."`
}

// Changes returns the edits the flags ask for, for specedit.
// subuids and subgids are the caller's subordinate ranges, for --subids.
func (c *Modify) Changes(uid, gid uint32, subuids, subgids []subid.Range) *specedit.Changes {
	return &specedit.Changes{
		Rootless:       c.Rootless,
		RootlessUID:    uid,
		RootlessGID:    gid,
		SubUIDs:        subuids,
		SubGIDs:        subgids,
		UserNS:         spec.UserNSFlag(c.UserNS),
		UnsetEnv:       c.UnsetEnv,
		Env:            c.Env,
		Cwd:            c.Cwd,
		User:           c.User,
		AdditionalGids: c.AdditionalGids,
		Terminal:       c.Terminal,
		CapDrop:        c.CapDrop,
		CapAdd:         c.CapAdd,
		Rlimits:        c.Rlimit,
		Hostname:       c.Hostname,
		Readonly:       c.Readonly,
		Unmounts:       c.Unmount,
		Mounts:         c.Mount,
		NoNamespaces:   c.NoNamespace,
		Namespaces:     c.Namespace,
		Sysctls:        c.Sysctl,
		Annotations:    c.Annotation,
		Memory:         c.Memory,
		CPUs:           c.CPUs,
		PidsLimit:      c.PidsLimit,
	}
}

func (c *Modify) Run(e *cli.Env, b BundleDir) error {
	// --rootless maps container root to whoever runs the command, as
	// generating a rootless config does.
	uid, gid := uint32(os.Geteuid()), uint32(os.Getegid())
	var subuids, subgids []subid.Range
	if c.SubIDs {
		if !c.Rootless {
			return &cerr.Usage{Err: errors.New("--subids needs --rootless")}
		}
		var err error
		if subuids, subgids, err = subid.ForUser(uid); err != nil {
			return fmt.Errorf("--subids: %w", err)
		}
	}
	edit, err := c.Changes(uid, gid, subuids, subgids).Edit()
	if err != nil {
		return &cerr.Usage{Err: err}
	}
	return specedit.EditFile(b.Config(c.File), e.Stdin, e.Stdout, edit)
}
