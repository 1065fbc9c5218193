package container

import (
	"log/slog"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/hooks"
)

// hookState is the container's state as its hooks read it on stdin.
func hookState(s *specs.Spec, id string, pid int, bundle string, status specs.ContainerState) *specs.State {
	return &specs.State{
		Version:     s.Version,
		ID:          id,
		Status:      status,
		Pid:         pid,
		Bundle:      bundle,
		Annotations: s.Annotations,
	}
}

// runRuntimeHooks runs the prestart hooks, then the createRuntime hooks,
// in the runtime's namespaces, while the init waits before pivot_root.
// The first failure fails the create.
func runRuntimeHooks(s *specs.Spec, id string, pid int, bundle string, log *slog.Logger) error {
	st := hookState(s, id, pid, bundle, specs.StateCreating)
	if err := hooks.Run(hooks.Prestart, hooks.Of(s, hooks.Prestart), st, log); err != nil {
		return err
	}
	return hooks.Run(hooks.CreateRuntime, hooks.Of(s, hooks.CreateRuntime), st, log)
}

// runPoststop runs the poststop hooks of a container that is gone: its
// processes, cgroup and mounts are. A failed hook is logged and the rest
// run, as the runtime spec says.
func runPoststop(s *specs.Spec, id, bundle string, log *slog.Logger) {
	hs := hooks.Of(s, hooks.Poststop)
	if len(hs) == 0 {
		return
	}
	// No pid: the number may belong to another process by now.
	hooks.RunWarn(hooks.Poststop, hs, hookState(s, id, 0, bundle, specs.StateStopped), log)
}

// logOr returns log, or for a caller that gives none a logger of
// warnings and errors on stderr: a failed poststop hook, only a warning,
// must be reported somewhere.
func logOr(log *slog.Logger) *slog.Logger {
	if log != nil {
		return log
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
