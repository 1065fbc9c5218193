package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
// program has been exec'd (or the exec failed). The output of the
// startContainer and poststart hooks, and a failed poststart hook, go to
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
	runPoststart(c, rec, log)
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
// the program runs.
//
// runtime-spec 1.3 says a failed poststart hook fails the start and stops
// the container; 1.0.2 said the runtime logs a warning and goes on with
// the remaining hooks and the lifecycle. The OCI validation suite
// (runtime-tools v0.9.0, poststart_fail) checks the 1.0.2 rule, and
// engines built on it expect a started container to stay started, so a
// failure here is a warning: the program already runs, and killing it
// because a notification failed would lose more than it saves.
func runPoststart(c *state.Container, rec *state.Record, log *slog.Logger) {
	s, err := hookSpec(c)
	if err != nil {
		log.Warn("poststart hooks not run", "container", rec.ID, "error", err)
		return
	}
	hs := hooks.Of(s, hooks.Poststart)
	if len(hs) == 0 {
		return
	}
	hooks.RunWarn(hooks.Poststart, hs, hookState(s, rec.ID, rec.Pid, rec.Bundle, specs.StateRunning), log)
}
