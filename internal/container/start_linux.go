package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/hooks"
	"github.com/ocikit/ocikit/internal/initproto"
	"github.com/ocikit/ocikit/internal/state"
	"github.com/ocikit/ocikit/internal/unixsock"
)

// Start makes a created container run its program. It returns once the
// program has been exec'd (or the exec failed) and the poststart hooks
// ran. A failed poststart hook fails the start and leaves the container
// stopped. The output of the startContainer and poststart hooks goes to
// log (nil: warnings on stderr).
func Start(store *state.Store, id string, log *slog.Logger) (*state.Record, error) {
	log = logOr(log)
	c, err := store.Get(id)
	if err != nil {
		return nil, cerr.E(id, "start", "", err)
	}
	defer c.Close()
	rec, err := c.Load()
	if err != nil {
		return nil, cerr.E(id, "start", "", err)
	}
	if st := rec.Status(); st != state.Created {
		return nil, wrongStatus(id, "start", st, state.Created)
	}
	// The poststart hooks are read before the program starts: a copy of
	// config.json that cannot be read fails the start while nothing runs.
	s, err := hookSpec(c)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, cerr.E(id, "start", "", fmt.Errorf("read the poststart hooks: %w", err))
	}
	sock := c.Path(startSocket)
	conn, err := unixsock.Dial(sock)
	if err != nil {
		return nil, cerr.E(id, "start", sock, err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, initproto.StartRequest); err != nil {
		return nil, cerr.E(id, "start", sock, err)
	}
	failed, err := awaitExec(conn, log)
	if err != nil {
		return nil, cerr.E(id, "start", sock, err)
	}
	if failed != nil {
		return nil, cerr.E(id, "start", "", failed)
	}
	rec.Started = true
	if err := c.Save(rec); err != nil {
		return nil, cerr.E(id, "start", "", err)
	}
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, cerr.E(id, "start", sock, fmt.Errorf("remove start socket: %w", err))
	}
	if err := runPoststart(s, rec, log); err != nil {
		return nil, cerr.E(id, "start", "", err)
	}
	return rec, nil
}

// awaitExec reads the init's answer to the start request: log records of
// its startContainer hooks, then the error if a hook or the exec failed
// (failed). The init's end of the connection is close-on-exec: EOF after
// no error means the exec happened. err is a failure to read the answer.
func awaitExec(conn *os.File, log *slog.Logger) (failed, err error) {
	dec := json.NewDecoder(conn)
	for {
		var rep initproto.Reply
		err := dec.Decode(&rep)
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if rep.Log != nil {
			rep.Log.Replay(log)
			continue
		}
		return replyError(rep), nil
	}
}

// runPoststart runs the poststart hooks in the runtime's namespaces, once
// the program runs. The first that fails ends the start: runtime-spec 1.3
// (runtime.md, Lifecycle step 9) says the runtime "MUST generate an error,
// stop the container, and continue the lifecycle at step 12". (runc
// 1.1.5 fails too, though earlier: it runs poststart hooks at create;
// crun 1.8.1 only warns.) A failed hook may have left the container half
// wired (a network it did not finish); letting the program run on would
// hide that behind a successful start. Every process of the container is
// killed (through its cgroup when it has one, as delete --force does) and
// waited for, so the caller sees it stopped when the error comes. Step 12,
// the destroy, is the caller's delete, as after a failed startContainer
// hook (oci-run deletes at once); the poststop hooks run there.
// runtime-spec 1.0.2 wanted a warning instead, which runtime-tools
// v0.9.0's poststart_fail still checks: see docs/conformance.md.
func runPoststart(s *specs.Spec, rec *state.Record, log *slog.Logger) error {
	hs := hooks.Of(s, hooks.Poststart)
	if len(hs) == 0 {
		return nil
	}
	err := hooks.Run(hooks.Poststart, hs, hookState(s, rec.ID, rec.Pid, rec.Bundle, specs.StateRunning), log)
	if err == nil {
		return nil
	}
	cg, cgErr := loadCgroup(rec)
	if cgErr == nil {
		cgErr = killAll(rec, cg)
	}
	if cgErr != nil {
		return fmt.Errorf("%w; stop the container: %w", err, cgErr)
	}
	return fmt.Errorf("%w (container stopped)", err)
}
