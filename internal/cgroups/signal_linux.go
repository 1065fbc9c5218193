package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"golang.org/x/sys/unix"
)

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
// SIGKILL goes through the v2 cgroup's cgroup.kill where the kernel has it
// (Linux 5.14+); otherwise the cgroup is frozen first and thawed
// afterwards, so that no process can fork a child between the listing and
// the kill. A process that exits meanwhile is not an error.
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
	if sig != unix.SIGKILL {
		// A paused container keeps other signals pending until Thaw, as
		// with any frozen task: the pause holds.
		return signalAll(dir, sig)
	}
	paused, err := m.Frozen()
	if err != nil {
		return err
	}
	if v2, ok := m.Paths["unified"]; ok {
		// The v2 cgroup holds every process of the container (see
		// listDir), and Pids checked it lies on a cgroup file system.
		killed, err := killFile(v2)
		if err != nil {
			return err
		}
		if killed {
			if paused {
				// The kill is pending in tasks the v1 freezer holds:
				// thawed, they die (see below).
				return m.Thaw()
			}
			return nil
		}
	}
	if paused {
		// Paused (Freeze): nothing can fork already. A task frozen by
		// the v1 freezer does not act on SIGKILL until thawed, so thaw
		// once the signal is pending; the tasks die without running
		// another instruction of their own.
		return errors.Join(signalAll(dir, sig), m.Thaw())
	}
	thaw, err := m.freeze()
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, thaw()) }()
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

// killFile kills every process of v2 cgroup dir and of its descendants by
// writing its cgroup.kill, and reports whether it could: the kernel walks
// the subtree under the lock that forks take, so a child forked meanwhile
// is killed too, with no freeze and no pid to reuse. killed is false,
// without an error, where the file does not exist (before Linux 5.14).
func killFile(dir string) (killed bool, err error) {
	err = writeFile(dir, "cgroup.kill", "1")
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("kill cgroup %q: %w", dir, bare(err))
	}
	return true, nil
}
