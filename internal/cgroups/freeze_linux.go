package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ErrNoFreezer is returned by Freeze and Thaw when none of the container's
// cgroups can freeze: no v1 freezer hierarchy and no cgroup v2.
var ErrNoFreezer = errors.New("the container's cgroup has no freezer")

const (
	// killPatience bounds the wait of Signal's freeze. A task stuck in
	// uninterruptible sleep can hold a freeze off indefinitely; the kill
	// then goes ahead on a cgroup that is still freezing.
	killPatience = time.Second
	// pausePatience bounds the wait of Freeze, which fails past it: a
	// pause that stops only some tasks is not a pause.
	pausePatience = 5 * time.Second
)

// freezer is one way to freeze a cgroup: the file to write, the values
// that freeze and thaw, and how to tell the freeze has completed.
type freezer struct {
	dir, file, on, off string
	done               func() (bool, error)
}

// v2Freezer freezes through cgroup.freeze; cgroup.events says "frozen 1"
// once every task has stopped.
func v2Freezer(d string) *freezer {
	return &freezer{dir: d, file: "cgroup.freeze", on: "1", off: "0", done: func() (bool, error) {
		ev, err := readFile(d, "cgroup.events")
		return slices.Contains(strings.Split(ev, "\n"), "frozen 1"), err
	}}
}

// v1Freezer freezes through the v1 freezer's freezer.state, which reads
// FREEZING until every task has stopped.
func v1Freezer(d string) *freezer {
	return &freezer{dir: d, file: "freezer.state", on: "FROZEN", off: "THAWED", done: func() (bool, error) {
		st, err := readFile(d, "freezer.state")
		if err == nil && st == "FREEZING" {
			// Writing FROZEN again retries the tasks the last attempt
			// could not freeze.
			err = writeFile(d, "freezer.state", "FROZEN")
		}
		return st == "FROZEN", err
	}}
}

func (m *Manager) v2() (*freezer, bool) {
	d, ok := m.Paths["unified"]
	if !ok {
		return nil, false
	}
	if _, err := os.Stat(filepath.Join(d, "cgroup.freeze")); err != nil {
		return nil, false // before Linux 5.2, or the cgroup is gone
	}
	return v2Freezer(d), true
}

func (m *Manager) v1() (*freezer, bool) {
	for _, key := range m.keys() {
		if slices.Contains(strings.Split(key, ","), "freezer") {
			return v1Freezer(m.Paths[key]), true
		}
	}
	return nil, false
}

// killFreezer is the freezer Signal uses: v2 first, since a task frozen
// there still dies of SIGKILL.
func (m *Manager) killFreezer() (*freezer, bool) {
	if f, ok := m.v2(); ok {
		return f, true
	}
	return m.v1()
}

// pauseFreezer is the freezer Freeze and Thaw use: the v1 freezer
// hierarchy when the host mounts one (on a hybrid host the freezer
// controller lives there, and that is the state other tools such as runc
// read), else cgroup v2.
func (m *Manager) pauseFreezer() (*freezer, error) {
	if len(m.Paths) == 0 {
		return nil, ErrNoCgroup
	}
	if f, ok := m.v1(); ok {
		return f, nil
	}
	if f, ok := m.v2(); ok {
		return f, nil
	}
	return nil, ErrNoFreezer
}

// Freeze stops every process of the container's cgroup (a pause) and
// returns once all of them have stopped. If that takes longer than
// pausePatience it thaws the cgroup again and fails, so the container is
// never left half frozen.
func (m *Manager) Freeze() error {
	f, err := m.pauseFreezer()
	if err != nil {
		return err
	}
	if err := checkCgroupFS(f.dir); err != nil {
		return fmt.Errorf("freeze cgroup: %w", err)
	}
	done, err := f.freeze(pausePatience)
	if err != nil {
		return err
	}
	if !done {
		return errors.Join(fmt.Errorf("freeze cgroup %q: not frozen after %v (a task in uninterruptible sleep holds it off); thawed it again", f.dir, pausePatience), f.thaw())
	}
	return nil
}

// Thaw resumes the processes Freeze stopped.
func (m *Manager) Thaw() error {
	f, err := m.pauseFreezer()
	if err != nil {
		return err
	}
	return f.thaw()
}

// Frozen reports whether a freeze of the container's cgroup was asked for
// through Freeze and not undone, complete or not. A cgroup that no longer
// exists, or that has no freezer, is not frozen.
func (m *Manager) Frozen() (bool, error) {
	f, err := m.pauseFreezer()
	if errors.Is(err, ErrNoCgroup) || errors.Is(err, ErrNoFreezer) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	v, err := readFile(f.dir, f.file)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read freezer state: %w", err)
	}
	return v != f.off, nil
}

// freeze stops the cgroup for Signal and returns the function that thaws
// it: if the freeze does not complete within killPatience it warns and
// the kill goes ahead. Without a freezer, or a cgroup, it does nothing.
func (m *Manager) freeze() (thaw func() error, err error) {
	nothing := func() error { return nil }
	f, ok := m.killFreezer()
	if !ok {
		return nothing, nil
	}
	if err := checkCgroupFS(f.dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nothing, nil
		}
		return nil, fmt.Errorf("freeze cgroup: %w", err)
	}
	done, err := f.freeze(killPatience)
	if err != nil {
		return nil, err
	}
	if !done {
		m.log.Warn("cgroups: cgroup not frozen in time; signalling anyway", "path", f.dir)
	}
	return f.thaw, nil
}

// freeze writes the freezing value and polls, with a growing interval, up
// to patience for the freeze to complete. On an error it thaws again.
func (f *freezer) freeze(patience time.Duration) (bool, error) {
	if err := writeFile(f.dir, f.file, f.on); err != nil {
		return false, fmt.Errorf("freeze cgroup: %w", err)
	}
	wait, waited := time.Millisecond, time.Duration(0)
	for {
		ok, err := f.done()
		if err != nil {
			return false, errors.Join(fmt.Errorf("freeze cgroup %q: %w", f.dir, err), f.thaw())
		}
		if ok || waited >= patience {
			return ok, nil
		}
		d := min(wait, patience-waited)
		time.Sleep(d)
		waited += d
		wait = min(2*wait, 100*time.Millisecond)
	}
}

func (f *freezer) thaw() error {
	if err := writeFile(f.dir, f.file, f.off); err != nil {
		return fmt.Errorf("thaw cgroup: %w", err)
	}
	return nil
}
