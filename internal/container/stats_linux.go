package container

import (
	"context"
	"errors"
	"io/fs"
	"time"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cgroups"
	"github.com/ocikit/ocikit/internal/state"
)

// Stats reads the current resource usage of a created or running
// container from its cgroup. Like State and Ps it takes no lock: it only
// reads, and state.json is replaced atomically, so it never sees half a
// record; a container deleted meanwhile makes it fail, as it should.
func Stats(store *state.Store, id string) (*cgroups.Stats, error) {
	rec, err := store.Read(id)
	if err != nil {
		return nil, cerr.E(id, "stats", "", err)
	}
	st := rec.Status()
	if st != state.Created && st != state.Running {
		return nil, wrongStatus(id, "stats", st, "created or running")
	}
	cg, err := loadCgroup(rec)
	if err != nil {
		return nil, cerr.E(id, "stats", "", err)
	}
	s, err := cg.Stats()
	if err != nil {
		return nil, cerr.E(id, "stats", "", err)
	}
	return s, nil
}

// StreamStats calls emit with the container's usage at once and then
// every interval, until ctx is done (nil), the container stops or is
// deleted (nil: the stream is over), or emit or a read fails while the
// container still lives. The first sample must succeed, so a stream of a
// container that is not there fails like Stats.
func StreamStats(ctx context.Context, store *state.Store, id string, interval time.Duration, emit func(*cgroups.Stats) error) error {
	s, err := Stats(store, id)
	if err != nil {
		return err
	}
	if err := emit(s); err != nil {
		return err
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		s, err := Stats(store, id)
		if err != nil {
			if gone(store, id) {
				return nil
			}
			return err
		}
		if err := emit(s); err != nil {
			return err
		}
	}
}

// gone reports whether the container has stopped or been deleted, which
// ends a stream rather than failing it.
func gone(store *state.Store, id string) bool {
	rec, err := store.Read(id)
	if errors.Is(err, state.ErrNotExist) || errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	st := rec.Status()
	return st != state.Created && st != state.Running
}
