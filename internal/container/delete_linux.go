package container

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/state"
)

// Delete removes a container: its processes (a created container's init
// is killed, as the spec allows; a running one only with force), its
// cgroup and its state folder. Mounts die with its mount namespace. A
// missing container is an error unless force is set. Then the poststop
// hooks run; their output and failures go to log (nil: warnings on
// stderr).
func Delete(store *state.Store, id string, force bool, log *slog.Logger) error {
	c, err := store.Get(id)
	if err != nil {
		if force && errors.Is(err, state.ErrNotExist) {
			return nil
		}
		return cerr.E(id, "delete", "", err)
	}
	defer c.Close()
	rec, err := c.Load()
	if err != nil {
		if !force {
			return cerr.E(id, "delete", "", err)
		}
		// An unreadable state under --force: remove what can be.
		rec = &state.Record{ID: id}
	}
	switch st := rec.Status(); st {
	case state.Running, state.Paused:
		// killAll's SIGKILL of the whole cgroup thaws a paused one.
		if !force {
			return cerr.E(id, "delete", "", fmt.Errorf("container is %s (stop it first, or use --force)", st))
		}
	case state.Creating:
		// We hold the lock, so no oci-create is working on it: this is
		// what a killed create left behind.
		if !force {
			return cerr.E(id, "delete", "", errors.New("container is still being created (or its create was interrupted: use --force)"))
		}
	}
	cg, err := loadCgroup(rec)
	if err != nil {
		return cerr.E(id, "delete", "", err)
	}
	if rec.Pid > 0 {
		if err := killAll(rec, cg); err != nil {
			return cerr.E(id, "delete", "", err)
		}
	}
	if err := cg.Destroy(); err != nil {
		return cerr.E(id, "delete", "", err)
	}
	// The network devices of linux.netDevices are not moved out: the
	// spec forbids it, and leaves them to the kernel as the namespace
	// goes. The resctrl group is removed once its tasks are dead.
	if err := rdtRemove(c); err != nil {
		return cerr.E(id, "delete", "", err)
	}
	// The container is gone; the folder still holds its spec. A failed
	// poststop hook is only logged: the spec wants the delete to go on.
	if s, err := hookSpec(c); err == nil {
		runPoststop(s, id, rec.Bundle, logOr(log))
	} else if !errors.Is(err, fs.ErrNotExist) {
		logOr(log).Warn("poststop hooks not run", "container", id, "error", err)
	}
	if err := c.Remove(); err != nil {
		return cerr.E(id, "delete", "", err)
	}
	if u := rec.UserNS; u != nil {
		// The folder held the allocation's record (internal/userns):
		// with it gone the block is free for the next create.
		logOr(log).Debug("user namespace ids released", "container", id,
			"uid", u.UID, "gid", u.GID, "size", u.Size)
	}
	return nil
}
