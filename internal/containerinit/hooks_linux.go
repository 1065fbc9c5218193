package containerinit

import (
	"encoding/json"
	"errors"
	"log/slog"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/hooks"
	"github.com/ocikit/ocikit/internal/initproto"
)

// runtimeLink is the init's socket to oci-create while the container is
// built: the Config came in on dec, and the init's messages go out on enc.
type runtimeLink struct {
	dec  *json.Decoder
	enc  *json.Encoder
	sock *os.File
}

func newRuntimeLink(sock *os.File, dec *json.Decoder) *runtimeLink {
	return &runtimeLink{dec: dec, enc: json.NewEncoder(sock), sock: sock}
}

// sendListener hands a notifying seccomp filter's listener to oci-create.
func (l *runtimeLink) sendListener(listener *os.File) error {
	return sendListener(l.sock, l.dec, listener)
}

// logger returns a logger whose records go to the runtime's log.
func (l *runtimeLink) logger() *slog.Logger {
	return replyLogger(l.enc)
}

// replyLogger logs through enc, as Replies holding log records.
func replyLogger(enc *json.Encoder) *slog.Logger {
	return slog.New(initproto.NewLogHandler(func(r *initproto.Reply) error { return enc.Encode(r) }))
}

// runRuntimeHooks asks oci-create to run the prestart and createRuntime
// hooks, which the spec wants in the runtime's namespaces, and waits until
// they ran.
func (l *runtimeLink) runRuntimeHooks() error {
	if err := l.enc.Encode(initproto.Reply{RunHooks: true}); err != nil {
		return cerr.Op("ask the runtime to run its hooks", "", err)
	}
	var done initproto.HooksDone
	if err := l.dec.Decode(&done); err != nil {
		return cerr.Op("wait for the runtime's hooks", "", err)
	}
	if done.Error != "" {
		return errors.New(done.Error)
	}
	return nil
}

// beforePivot returns what runs in the container's mount namespace once
// its mounts are made and before pivot_root (or the chroot of a container
// without a mount namespace of its own): the runtime's prestart and
// createRuntime hooks, then the createContainer hooks, run here, in the
// container's namespaces, where the host's paths still resolve as the
// spec asks. It returns nil when the spec has none of these hooks, so a
// container without hooks costs no round trip.
func beforePivot(cfg *initproto.Config, link *runtimeLink) func() error {
	s := cfg.Spec
	runtimeHooks := hooks.Any(s, hooks.Prestart, hooks.CreateRuntime)
	containerHooks := hooks.Of(s, hooks.CreateContainer)
	if !runtimeHooks && len(containerHooks) == 0 {
		return nil
	}
	return func() error {
		if runtimeHooks {
			if err := link.runRuntimeHooks(); err != nil {
				return err
			}
		}
		if len(containerHooks) == 0 {
			return nil
		}
		// The init still holds every privilege of the container's
		// root here: the hook is trusted (the spec's author chose it)
		// and may need them to prepare the container.
		return hooks.Run(hooks.CreateContainer, containerHooks, hookState(cfg, specs.StateCreating), link.logger())
	}
}

// runStartHooks runs the startContainer hooks once oci-start asked for the
// start, inside the container (after pivot_root, so their paths resolve
// in it) and with the process's credentials already applied, logging
// their output through conn to oci-start.
func runStartHooks(cfg *initproto.Config, conn *json.Encoder) error {
	hs := hooks.Of(cfg.Spec, hooks.StartContainer)
	if len(hs) == 0 {
		return nil
	}
	return hooks.Run(hooks.StartContainer, hs, hookState(cfg, specs.StateCreated), replyLogger(conn))
}

// hookState is the state the runtime handed over, with status and the
// init's pid. runtime-spec 1.3 (runtime.md, State) wants the pid as seen
// by the namespace the hook runs in: these hooks run in the container's
// pid namespace, where the init's own getpid is that number (1 in a new
// pid namespace); the host's number would name some other process there.
func hookState(cfg *initproto.Config, status specs.ContainerState) *specs.State {
	st := specs.State{ID: cfg.ID}
	if cfg.HookState != nil {
		st = *cfg.HookState
	}
	st.Status = status
	st.Pid = os.Getpid()
	return &st
}
