package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
)

// outputGrace bounds how long a hook's output is still read once the
// hook has exited: a process it left running (a daemon it started) may
// hold its stdout, and the container's lifecycle must not wait for it.
const outputGrace = 2 * time.Second

// Run runs the hooks hs of kind k in order, each with state as JSON on its
// standard input, and stops at the first that fails, returning its error
// (naming the hook's kind, index and path). This is runtime-spec 1.3's
// rule for every kind but poststop (see RunWarn): a failed hook fails the
// operation.
func Run(k Kind, hs []specs.Hook, state *specs.State, log *slog.Logger) error {
	if len(hs) == 0 {
		return nil
	}
	in, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("encode state for %s hooks: %w", k, err)
	}
	for i, h := range hs {
		if err := RunHook(k, i, h, in, log); err != nil {
			return err
		}
	}
	return nil
}

// RunWarn runs every hook of hs, logging each failure as a warning and
// going on with the next: the runtime spec's rule for poststop hooks.
func RunWarn(k Kind, hs []specs.Hook, state *specs.State, log *slog.Logger) {
	if len(hs) == 0 {
		return
	}
	log = orDiscard(log)
	in, err := json.Marshal(state)
	if err != nil {
		log.Warn("hooks not run", "kind", string(k), "error", err)
		return
	}
	for i, h := range hs {
		if err := RunHook(k, i, h, in, log); err != nil {
			log.Warn("hook failed", "hook", Name(k, i), "path", h.Path, "error", reason(err))
		}
	}
}

// RunHook runs one hook, the one at index i of kind k, with state (the
// container's state as JSON) on its standard input. Its standard output
// and error go to log, a line per message at level info. It fails when the
// hook cannot be started, exits with a status other than 0, is killed, or
// outlives its timeout.
func RunHook(k Kind, i int, h specs.Hook, state []byte, log *slog.Logger) error {
	name := Name(k, i)
	fail := func(err error) error { return cerr.Op("hook "+name, h.Path, err) }
	if !filepath.IsAbs(h.Path) {
		return fail(errors.New("path is not absolute"))
	}
	log = orDiscard(log)
	ctx := context.Background()
	if h.Timeout != nil {
		if *h.Timeout <= 0 {
			return fail(fmt.Errorf("timeout %d is not greater than zero", *h.Timeout))
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(*h.Timeout)*time.Second)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, h.Path)
	// argv as given, argv[0] included; the spec's execv semantics leave
	// argv[0] to the caller, and a hook without args gets its path.
	cmd.Args = h.Args
	if len(cmd.Args) == 0 {
		cmd.Args = []string{h.Path}
	}
	// Exactly the hook's environment, empty when it has none: a nil Env
	// would hand the hook the runtime's own environment.
	cmd.Env = append([]string{}, h.Env...)
	// Go's copier treats EPIPE as success, so a hook that does not read
	// its state does not fail (nor kill the runtime with SIGPIPE).
	cmd.Stdin = bytes.NewReader(state)
	stdout, stderr := newLineLog(log, name, "stdout"), newLineLog(log, name, "stderr")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// A process group of its own, so a timeout kills what the hook
	// started too: a hook left running past its timeout could go on
	// changing the container after the runtime gave up on it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		unix.Kill(-cmd.Process.Pid, unix.SIGKILL)
		return cmd.Process.Kill()
	}
	cmd.WaitDelay = outputGrace

	err := cmd.Run()
	stdout.flush()
	stderr.flush()
	if err == nil {
		return nil
	}
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success() {
		log.Debug("hook exited leaving its output open; no longer read", "hook", name, "path", h.Path)
		return nil
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %ds: killed", *h.Timeout)
	} else {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is named already
		}
	}
	if last := stderr.lastLine(); last != "" {
		err = fmt.Errorf("%w (stderr: %q)", err, last)
	}
	return fail(err)
}

// reason is the hook error without the hook's name and path, for a log
// record that has them as fields.
func reason(err error) error {
	var ce *cerr.Error
	if errors.As(err, &ce) && ce.Err != nil {
		return ce.Err
	}
	return err
}

func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}
