package container

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/initproto"
	"github.com/ocikit/ocikit/internal/state"
)

// Start makes a created container run its program. It returns once the
// program has been exec'd (or the exec failed).
func Start(store *state.Store, id string) (*state.Record, error) {
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
	conn, err := dialUnix(sock)
	if err != nil {
		return nil, cerr.E(id, "start", sock, err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, initproto.StartRequest); err != nil {
		return nil, cerr.E(id, "start", sock, err)
	}
	// The init's end of the connection is close-on-exec: EOF with no
	// message means the exec happened; a message is the exec's error.
	msg, err := io.ReadAll(conn)
	if err != nil {
		return nil, cerr.E(id, "start", sock, err)
	}
	if len(msg) > 0 {
		return nil, cerr.E(id, "start", "", errors.New(string(msg)))
	}
	rec.Started = true
	if err := c.Save(rec); err != nil {
		return nil, cerr.E(id, "start", "", err)
	}
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, cerr.E(id, "start", sock, fmt.Errorf("remove start socket: %w", err))
	}
	return rec, nil
}
