package container

import (
	"errors"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cgroups"
	"github.com/ocikit/ocikit/internal/state"
)

// Pause freezes every process of a running container through its cgroup's
// freezer and records the pause, under the container's lock, so State
// reports "paused" without reading a cgroup file. It returns once every
// process has stopped.
func Pause(store *state.Store, id string) (*state.Record, error) {
	return setPaused(store, id, "pause", true)
}

// Resume thaws a paused container.
func Resume(store *state.Store, id string) (*state.Record, error) {
	return setPaused(store, id, "resume", false)
}

func setPaused(store *state.Store, id, op string, pause bool) (*state.Record, error) {
	c, err := store.Get(id)
	if err != nil {
		return nil, cerr.E(id, op, "", err)
	}
	defer c.Close()
	rec, err := c.Load()
	if err != nil {
		return nil, cerr.E(id, op, "", err)
	}
	want := state.Running
	if !pause {
		want = state.Paused
	}
	if st := rec.Status(); st != want {
		return nil, wrongStatus(id, op, st, want)
	}
	cg, err := loadCgroup(rec)
	if err != nil {
		return nil, cerr.E(id, op, "", err)
	}
	if pause {
		err = cg.Freeze()
	} else {
		err = cg.Thaw()
	}
	if errors.Is(err, cgroups.ErrNoCgroup) {
		// A rootless container without a cgroup of its own shares its
		// processes' cgroup with others: freezing it is not ours to do.
		err = errors.New("the container has no cgroup of its own to freeze")
	}
	if err != nil {
		return nil, cerr.E(id, op, "", err)
	}
	rec.Paused = pause
	if err := c.Save(rec); err != nil {
		if pause {
			// Unrecorded, the freeze would be invisible and permanent.
			err = errors.Join(err, cg.Thaw())
		}
		return nil, cerr.E(id, op, "", err)
	}
	return rec, nil
}
