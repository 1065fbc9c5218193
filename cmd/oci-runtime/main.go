// Command oci-runtime is ocikit behind runc 1.1's command line, for the
// engines that drive a runtime that way (containerd, podman, Docker, CRI-O).
// Its subcommands are the same command types as the single tools.
package main

import (
	"errors"
	"os"
	"strings"

	"github.com/alecthomas/kong"

	// cgroup v2 device rules: only the tools that create containers link
	// cilium/ebpf (package devicebpf registers itself with cgroups).
	_ "github.com/ocikit/ocikit/internal/cgroups/devicebpf"
	"github.com/ocikit/ocikit/internal/cli"
	"github.com/ocikit/ocikit/internal/commands"
	"github.com/ocikit/ocikit/internal/commands/featurescmd"
	"github.com/ocikit/ocikit/internal/commands/specgen"
	"github.com/ocikit/ocikit/internal/commands/statecmd"
	"github.com/ocikit/ocikit/internal/containerinit"
)

// globals are the flags before the subcommand.
type globals struct {
	cli.Globals
	SystemdCgroup bool              `help:"Use systemd to manage cgroups (not supported: an error)."`
	Criu          commands.CRIUPath `help:"The criu binary for checkpoint and restore (default: criu from PATH or /usr/sbin)." placeholder:"PATH"`
}

type cmd struct {
	globals

	Create     commands.Create       `cmd:"" help:"Create a container."`
	Start      commands.Start        `cmd:"" help:"Start a created container."`
	Run        commands.RunContainer `cmd:"" help:"Create and start a container, and wait for it."`
	State      statecmd.State        `cmd:"" help:"Print the state of a container."`
	List       statecmd.List         `cmd:"" help:"List containers."`
	Kill       commands.Kill         `cmd:"" help:"Send a signal to a container."`
	Delete     commands.Delete       `cmd:"" help:"Delete containers."`
	Exec       commands.Exec         `cmd:"" help:"Run a new process in a running container."`
	Ps         commands.Ps           `cmd:"" help:"List the processes of a container."`
	Events     commands.Events       `cmd:"" help:"Print the resource usage of a container, once or every interval."`
	Pause      commands.Pause        `cmd:"" help:"Freeze every process of a container."`
	Resume     commands.Resume       `cmd:"" help:"Thaw a paused container."`
	Update     commands.Update       `cmd:"" help:"Change the resource limits of a container."`
	Checkpoint commands.Checkpoint   `cmd:"" help:"Save a running container's processes with CRIU."`
	Restore    commands.Restore      `cmd:"" help:"Restore a checkpointed container with CRIU."`
	Spec       specgen.Spec          `cmd:"" help:"Write a default config.json."`
	Features   featurescmd.Features  `cmd:"" help:"Print what this runtime supports."`
}

// runtimeGlobals returns the global flags, from the whole command line or
// the lean one (parser).
func (g *globals) runtimeGlobals() *globals { return g }

// RuncFace makes the commands print and read as runc does.
func (g *globals) RuncFace() bool { return true }

// Validate refuses what the engines may ask for and ocikit cannot do.
func (g *globals) Validate() error {
	if g.SystemdCgroup {
		return errors.New("--systemd-cgroup: the systemd cgroup driver is not supported; configure the engine for cgroupfs")
	}
	return nil
}

// ignoredGlobals are runc's global flags that change nothing here:
// --rootless (true|false|auto: ocikit decides from the spec and the caller
// in any case). They are taken off before parsing, since runc's spec
// subcommand has a --rootless of its own and one command line cannot hold
// the name twice.
var ignoredGlobals = map[string]map[string]bool{
	"--rootless": {"true": true, "false": true, "auto": true},
}

// valueGlobals are the global flags that take a separate value.
var valueGlobals = map[string]bool{"--root": true, "--log": true, "--log-format": true, "--criu": true}

// stripIgnoredGlobals removes the ignored global flags that stand before
// the subcommand, in the forms --flag, --flag=V and --flag V.
func stripIgnoredGlobals(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			return append(out, args[i:]...) // the subcommand: the rest is its own
		}
		name, _, hasValue := strings.Cut(a, "=")
		values, ignored := ignoredGlobals[name]
		if !ignored {
			out = append(out, a)
			if valueGlobals[name] && !hasValue && i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
			continue
		}
		if !hasValue && i+1 < len(args) && (values == nil || values[args[i+1]]) {
			i++ // --flag V
		}
	}
	return out
}

func main() {
	containerinit.RunIfInit()
	args := stripIgnoredGlobals(os.Args[1:])
	root, opts := parser(args)
	// checkpoint and restore take the global --criu as a Run argument.
	g := root.(interface{ runtimeGlobals() *globals }).runtimeGlobals()
	opts = append(opts, kong.Bind(&g.Criu))
	os.Exit(cli.Main("oci-runtime", "ocikit, with runc's command line.", root, args, os.Stdin, os.Stdout, os.Stderr, opts...))
}
