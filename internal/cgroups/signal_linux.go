package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// freezePatience bounds the wait for a cgroup to report itself frozen. A
// task stuck in uninterruptible sleep can hold a freeze off indefinitely;
// the kill then goes ahead on a cgroup that is still freezing.
const freezePatience = time.Second

// listDir returns the cgroup whose cgroup.procs lists the container's
// processes: the v2 one when m holds it, else the first v1 one. Every
// hierarchy holds the same processes.
func (m *Manager) listDir() (string, bool) {
	if d, ok := m.Paths["unified"]; ok {
		return d, true
	}
	keys := m.keys()
	if len(keys) == 0 {
		return "", false
	}
	return m.Paths[keys[0]], true
}

// Pids lists the processes in the container's cgroup and in the child
// cgroups the container made in it, sorted. A cgroup already removed
// holds none.
func (m *Manager) Pids() ([]int, error) {
	dir, ok := m.listDir()
	if !ok {
		return nil, ErrNoCgroup
	}
	if err := checkCgroupFS(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("list processes: %w", err)
	}
	return procs(dir)
}

// Signal sends sig to every process in the container's cgroup (see Pids).
// For SIGKILL the cgroup is frozen first and thawed afterwards, so that no
// process can fork a child between the listing and the kill. A process
// that exits meanwhile is not an error.
func (m *Manager) Signal(sig unix.Signal) (err error) {
	dir, ok := m.listDir()
	if !ok {
		return ErrNoCgroup
	}
	pids, err := m.Pids()
	if err != nil {
		return err
	}
	// The caller inside the cgroup would freeze itself and never thaw, or
	// kill itself half way: refuse.
	if slices.Contains(pids, os.Getpid()) {
		return fmt.Errorf("signal cgroup %q: the caller itself is in it", dir)
	}
	if len(pids) == 0 {
		return nil
	}
	if sig == unix.SIGKILL {
		thaw, err := m.freeze()
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, thaw()) }()
	}
	return signalAll(dir, sig)
}

// signalAll sends sig to every process of cgroup dir. Each listed pid is
// pinned with a pidfd and then confirmed by listing again: a process that
// left the cgroup and died between the first listing and pidfd_open may
// have had its pid reused by an unrelated process, which the second
// listing no longer shows; a pidfd cannot be redirected afterwards.
func signalAll(dir string, sig unix.Signal) error {
	pids, err := procs(dir)
	if err != nil {
		return fmt.Errorf("signal cgroup %q: %w", dir, err)
	}
	fds := map[int]int{}
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	for _, pid := range pids {
		fd, err := unix.PidfdOpen(pid, 0)
		switch {
		case err == nil:
			fds[pid] = fd
		case errors.Is(err, unix.ESRCH):
		case errors.Is(err, unix.ENOSYS):
			return killAll(pids, sig) // before Linux 5.3: plain kill
		default:
			return fmt.Errorf("signal cgroup %q: pidfd_open %d: %w", dir, pid, err)
		}
	}
	still, err := procs(dir)
	if err != nil {
		return fmt.Errorf("signal cgroup %q: %w", dir, err)
	}
	var errs []error
	for _, pid := range still {
		fd, ok := fds[pid]
		if !ok {
			continue
		}
		if err := unix.PidfdSendSignal(fd, sig, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("signal process %d: %w", pid, err))
		}
	}
	return errors.Join(errs...)
}

func killAll(pids []int, sig unix.Signal) error {
	var errs []error
	for _, pid := range pids {
		if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("signal process %d: %w", pid, err))
		}
	}
	return errors.Join(errs...)
}

// freeze freezes the container's cgroup, preferring the v2 freezer (a
// frozen v2 task still dies of SIGKILL) over the v1 freezer hierarchy, and
// returns the function that thaws it. Without either it does nothing.
func (m *Manager) freeze() (thaw func() error, err error) {
	if d, ok := m.Paths["unified"]; ok {
		if _, err := os.Stat(filepath.Join(d, "cgroup.freeze")); err == nil {
			return freezeWith(m.log, d, "cgroup.freeze", "1", "0", func() (bool, error) {
				ev, err := readFile(d, "cgroup.events")
				return slices.Contains(strings.Split(ev, "\n"), "frozen 1"), err
			})
		}
	}
	for _, key := range m.keys() {
		if !slices.Contains(strings.Split(key, ","), "freezer") {
			continue
		}
		d := m.Paths[key]
		return freezeWith(m.log, d, "freezer.state", "FROZEN", "THAWED", func() (bool, error) {
			st, err := readFile(d, "freezer.state")
			if err == nil && st == "FREEZING" {
				// Writing FROZEN again retries the tasks the last attempt
				// could not freeze.
				err = writeFile(d, "freezer.state", "FROZEN")
			}
			return st == "FROZEN", err
		})
	}
	return func() error { return nil }, nil
}

// freezeWith writes on to file and waits, up to freezePatience, for done
// to report the cgroup frozen. The returned thaw writes off.
func freezeWith(log *slog.Logger, dir, file, on, off string, done func() (bool, error)) (func() error, error) {
	thaw := func() error {
		if err := writeFile(dir, file, off); err != nil {
			return fmt.Errorf("thaw cgroup: %w", err)
		}
		return nil
	}
	if err := checkCgroupFS(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return func() error { return nil }, nil
		}
		return nil, fmt.Errorf("freeze cgroup: %w", err)
	}
	if err := writeFile(dir, file, on); err != nil {
		return nil, fmt.Errorf("freeze cgroup: %w", err)
	}
	wait, waited := time.Millisecond, time.Duration(0)
	for {
		ok, err := done()
		if err != nil {
			return nil, errors.Join(fmt.Errorf("freeze cgroup %q: %w", dir, err), thaw())
		}
		if ok {
			return thaw, nil
		}
		if waited >= freezePatience {
			log.Warn("cgroups: cgroup not frozen in time; signalling anyway", "path", dir)
			return thaw, nil
		}
		d := min(wait, freezePatience-waited)
		time.Sleep(d)
		waited += d
		wait = min(2*wait, 100*time.Millisecond)
	}
}
