package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cgroups"
	"github.com/ocikit/ocikit/internal/signals"
	"github.com/ocikit/ocikit/internal/state"
)

// Kill sends sig to the container's init, or with all to every process
// in its cgroup. The container must be created, running or paused. A
// paused container keeps signals other than SIGKILL pending until it is
// resumed; SIGKILL thaws it, since the frozen tasks of a v1 freezer would
// not die before, and a dying container has nothing left to resume.
func Kill(store *state.Store, id string, sig unix.Signal, all bool) (err error) {
	c, err := store.Get(id)
	if err != nil {
		return cerr.E(id, "kill", "", err)
	}
	defer c.Close()
	rec, err := c.Load()
	if err != nil {
		return cerr.E(id, "kill", "", err)
	}
	st := rec.Status()
	if st != state.Created && st != state.Running && st != state.Paused {
		return wrongStatus(id, "kill", st, "created or running")
	}
	cg, err := loadCgroup(rec)
	if err != nil {
		return cerr.E(id, "kill", "", err)
	}
	if st == state.Paused && sig == unix.SIGKILL {
		defer func() {
			if err == nil {
				err = unpause(c, rec, cg)
			}
		}()
	}
	if all {
		err = cg.Signal(sig)
		if !errors.Is(err, cgroups.ErrNoCgroup) {
			return cerr.E(id, "kill", "", err)
		}
		// No cgroup of its own (rootless): with a pid namespace, the
		// kernel kills every process in it when its init dies; without,
		// only the init can be reached.
	}
	p, err := signals.Open(rec.Pid, rec.InitStartTime, startTime)
	if err != nil {
		return cerr.E(id, "kill", "", err)
	}
	defer p.Close()
	return cerr.E(id, "kill", "", p.Signal(sig))
}

// unpause thaws a paused container after its SIGKILL is pending (Signal
// of the whole cgroup has thawed it already; thawing twice is harmless)
// and clears the record's flag.
func unpause(c *state.Container, rec *state.Record, cg *cgroups.Manager) error {
	if err := cg.Thaw(); err != nil {
		return cerr.E(rec.ID, "kill", "", err)
	}
	rec.Paused = false
	return cerr.E(rec.ID, "kill", "", c.Save(rec))
}

func startTime(pid int) (uint64, error) {
	st, _, err := state.ProcStartTime(pid)
	return st, err
}

func loadCgroup(rec *state.Record) (*cgroups.Manager, error) {
	var st cgroups.State
	if len(rec.Cgroup) > 0 {
		if err := json.Unmarshal(rec.Cgroup, &st); err != nil {
			return nil, fmt.Errorf("decode cgroup state: %w", err)
		}
	}
	return cgroups.Load(st), nil
}

// killAll kills every process of the container — the init and all in its
// cgroup — and waits for them to exit through pidfds.
func killAll(rec *state.Record, cg *cgroups.Manager) error {
	var procs []*signals.Process
	defer func() {
		for _, p := range procs {
			p.Close()
		}
	}()
	if p, err := signals.Open(rec.Pid, rec.InitStartTime, startTime); err == nil {
		procs = append(procs, p)
	}
	pids, err := cg.Pids()
	switch {
	case errors.Is(err, cgroups.ErrNoCgroup):
	case err != nil:
		return err
	default:
		for _, pid := range pids {
			if pid == rec.Pid {
				continue
			}
			if p, err := signals.Open(pid, 0, nil); err == nil {
				procs = append(procs, p)
			}
		}
		if err := cg.Signal(unix.SIGKILL); err != nil {
			return err
		}
	}
	for _, p := range procs {
		if err := p.Signal(unix.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return err
		}
	}
	return signals.WaitAll(procs, 10*time.Second)
}

// killAndReap kills a child of this process and reaps it.
func killAndReap(pid int) {
	unix.Kill(pid, unix.SIGKILL)
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err != unix.EINTR {
			return
		}
	}
}
