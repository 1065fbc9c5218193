package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// errHasChildren marks an rmdir refused because the cgroup has child
// cgroups.
var errHasChildren = errors.New("it still has child cgroups")

// rmdirPatience bounds the retries of an rmdir that fails with EBUSY
// although the cgroup looks empty: for a moment after its last process
// exits the kernel may still count it as populated.
const rmdirPatience = 50 * time.Millisecond

// Destroy removes the directories Create made, deepest first; directories
// already gone are fine. The container's own cgroup is removed together
// with the child cgroups the container made in it. A parent Create made
// that now holds other cgroups too is left in place. Destroy fails, naming
// the cgroup, while a cgroup still has processes.
func (m *Manager) Destroy() error {
	leaves := map[string]bool{}
	for _, d := range m.Paths {
		leaves[d] = true
	}
	dirs := slices.Clone(m.owned)
	slices.SortFunc(dirs, func(a, b string) int {
		if d := strings.Count(b, "/") - strings.Count(a, "/"); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	var errs []error
	var left []string
	for _, d := range dirs {
		var err error
		if leaves[d] {
			err = removeTree(d)
		} else if err = rmdir(d); errors.Is(err, errHasChildren) {
			// Still ours: a later Destroy removes it once it is empty.
			m.log.Debug("cgroups: leaving a parent cgroup that other cgroups use", "path", d)
			left = append(left, d)
			continue
		}
		if err != nil {
			errs = append(errs, err)
			left = append(left, d)
		}
	}
	m.owned = left
	return errors.Join(errs...)
}

// removeTree removes cgroup dir and its descendants, deepest first.
func removeTree(dir string) error {
	if err := checkCgroupFS(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("remove cgroup: %w", err)
	}
	subs, err := subdirs(dir)
	if err != nil {
		return fmt.Errorf("remove cgroup %q: %w", dir, bare(err))
	}
	for _, sub := range subs {
		if err := removeTree(sub); err != nil {
			return err
		}
	}
	return rmdir(dir)
}

// rmdir removes one empty cgroup. A cgroup with processes or children is
// refused at once; a bare EBUSY is retried briefly (see rmdirPatience).
func rmdir(dir string) error {
	if err := checkCgroupFS(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("remove cgroup: %w", err)
	}
	wait, waited := time.Millisecond, time.Duration(0)
	for {
		err := unix.Rmdir(dir)
		if err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) {
			return fmt.Errorf("remove cgroup %q: %w", dir, err)
		}
		if pids := ownProcs(dir); len(pids) > 0 {
			return fmt.Errorf("remove cgroup %q: it still has processes %v: %w", dir, pids, err)
		}
		if subs, _ := subdirs(dir); len(subs) > 0 {
			return fmt.Errorf("remove cgroup %q: %w: %w", dir, errHasChildren, err)
		}
		if waited >= rmdirPatience {
			return fmt.Errorf("remove cgroup %q: %w", dir, err)
		}
		d := min(wait, rmdirPatience-waited)
		time.Sleep(d)
		waited += d
		wait *= 2
	}
}

// ownProcs lists the processes in cgroup dir itself, not its descendants.
func ownProcs(dir string) []string {
	s, err := readFile(dir, "cgroup.procs")
	if err != nil {
		return nil
	}
	return strings.Fields(s)
}
