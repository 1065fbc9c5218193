package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrNoCgroup is returned by Pids and Signal when the container has no
// cgroup of its own (a rootless runtime that could not make one); the
// caller then only knows the container's init.
var ErrNoCgroup = errors.New("the container has no cgroup of its own")

// Manager owns one container's cgroup in every hierarchy.
type Manager struct {
	// Paths maps a hierarchy key (Hierarchy.Key) to the container's cgroup
	// directory in it, an absolute host path. Create drops the hierarchies
	// a rootless runtime could not use. Treat it as read-only.
	Paths map[string]string

	owned    []string          // directories Create made: the only ones Destroy removes
	mounts   map[string]string // hierarchy key -> mountpoint, where Create starts; unset after Load
	rootless bool
	log      *slog.Logger
}

// State is what a Manager needs to be rebuilt in another process: save it
// with the container's state and pass it to Load.
type State struct {
	Paths map[string]string `json:"paths,omitempty"` // as Manager.Paths
	Owned []string          `json:"owned,omitempty"` // the directories the runtime made, removed on Destroy
}

// New works out the container's cgroup directory in every mounted
// hierarchy; it changes nothing. cgroupsPath is the spec's
// linux.cgroupsPath: an absolute path is taken from the root of each
// hierarchy, a relative one (empty means "ocikit-<id>") from the caller's
// own cgroup. log receives warnings; nil discards them.
func New(id, cgroupsPath string, log *slog.Logger) (*Manager, error) {
	hs, err := Hierarchies()
	if err != nil {
		return nil, err
	}
	own, err := ownCgroups()
	if err != nil {
		return nil, err
	}
	return newManager(id, cgroupsPath, hs, own, rootless(), log)
}

func newManager(id, cgroupsPath string, hs []Hierarchy, own []membership, rootless bool, log *slog.Logger) (*Manager, error) {
	paths, err := resolve(id, cgroupsPath, hs, own)
	if err != nil {
		return nil, err
	}
	m := &Manager{Paths: paths, mounts: map[string]string{}, rootless: rootless, log: orDiscard(log)}
	for _, h := range hs {
		m.mounts[h.Key()] = h.Mountpoint
	}
	return m, nil
}

// Load rebuilds the Manager of an existing container from its saved State.
func Load(s State) *Manager {
	return &Manager{Paths: maps.Clone(s.Paths), owned: slices.Clone(s.Owned), log: orDiscard(nil)}
}

// State returns what Load needs to rebuild m.
func (m *Manager) State() State {
	return State{Paths: maps.Clone(m.Paths), Owned: slices.Clone(m.owned)}
}

func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}

// keys returns the hierarchy keys m holds, sorted, so every operation
// visits the hierarchies in the same order.
func (m *Manager) keys() []string { return slices.Sorted(maps.Keys(m.Paths)) }

// Create makes the container's cgroup directory, and any missing parent,
// in every hierarchy. It remembers exactly the directories it made; an
// existing directory (one the user prepared) is joined, never removed. A
// rootless runtime that may not make a directory continues without that
// hierarchy. On failure Create removes what it made.
func (m *Manager) Create() error {
	var skipped []string
	var firstErr error
	for _, key := range m.keys() {
		made, err := m.mkdirs(key)
		if err == nil {
			m.owned = append(m.owned, made...)
			continue
		}
		rmErr := removeMade(made)
		if m.rootless && isPermission(err) && rmErr == nil {
			// Without delegation a rootless runtime cannot make cgroups;
			// the container still runs, in the caller's cgroup.
			skipped = append(skipped, m.Paths[key])
			if firstErr == nil {
				firstErr = err
			}
			delete(m.Paths, key)
			continue
		}
		rmErr = errors.Join(rmErr, removeMade(m.owned))
		m.owned = nil
		return errors.Join(err, rmErr)
	}
	if len(skipped) > 0 {
		m.log.Warn("cgroups: cannot create the container's cgroup; running without a cgroup of its own",
			"paths", skipped, "err", firstErr)
	}
	return nil
}

// mkdirs makes the cgroup directory of hierarchy key one level at a time
// from the mountpoint, returning the directories it made, top first.
func (m *Manager) mkdirs(key string) ([]string, error) {
	dir := m.Paths[key]
	mnt, ok := m.mounts[key]
	if !ok {
		return nil, fmt.Errorf("create cgroup %q: the %s hierarchy's mountpoint is unknown (a loaded manager cannot create)", dir, key)
	}
	rel, err := filepath.Rel(mnt, dir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("create cgroup %q: not below the %s mountpoint %q", dir, key, mnt)
	}
	cpuset := slices.Contains(strings.Split(key, ","), "cpuset")
	var made []string
	cur := mnt
	for _, c := range strings.Split(rel, "/") {
		cur = filepath.Join(cur, c)
		err := os.Mkdir(cur, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return made, fmt.Errorf("create cgroup %q: %w", cur, bare(err))
		}
		made = append(made, cur)
		if cpuset {
			if err := inheritCpuset(cur); err != nil {
				return made, err
			}
		}
	}
	if len(made) == 0 {
		m.log.Debug("cgroups: joining an existing cgroup", "path", dir)
	}
	return made, nil
}

// inheritCpuset fills a new v1 cpuset cgroup's empty cpus and mems from
// its parent: the kernel leaves them empty (unless the parent sets
// cgroup.clone_children), and adding a task to an empty cpuset fails with
// ENOSPC.
func inheritCpuset(dir string) error {
	parent := filepath.Dir(dir)
	for _, name := range []string{"cpuset.cpus", "cpuset.mems"} {
		if _, err := os.Stat(filepath.Join(dir, name)); errors.Is(err, fs.ErrNotExist) {
			name = strings.TrimPrefix(name, "cpuset.") // mounted with -o noprefix
		}
		cur, err := readFile(dir, name)
		if err != nil {
			return fmt.Errorf("create cgroup %q: %w", dir, err)
		}
		if cur != "" {
			continue
		}
		v, err := readFile(parent, name)
		if err != nil {
			return fmt.Errorf("create cgroup %q: %w", dir, err)
		}
		if err := writeFile(dir, name, v); err != nil {
			return fmt.Errorf("create cgroup %q: %w", dir, err)
		}
	}
	return nil
}

// removeMade removes directories Create just made, deepest first.
func removeMade(made []string) error {
	var errs []error
	for _, d := range slices.Backward(made) {
		if err := unix.Rmdir(d); err != nil && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("remove cgroup %q: %w", d, err))
		}
	}
	return errors.Join(errs...)
}

func isPermission(err error) bool {
	return errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EROFS)
}

// Apply moves process pid (with all its threads) into the container's
// cgroup in every hierarchy m holds. A process about to start can join
// them more cheaply itself: see OpenSelfJoin.
func (m *Manager) Apply(pid int) error {
	return m.applyTo(pid, m.keys())
}

// applyTo moves process pid into the container's cgroup in the
// hierarchies keys.
func (m *Manager) applyTo(pid int, keys []string) error {
	for _, key := range keys {
		dir := m.Paths[key]
		if err := checkCgroupFS(dir); err != nil {
			return fmt.Errorf("add process %d to cgroup: %w", pid, err)
		}
		if err := writeFile(dir, "cgroup.procs", strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("add process %d to cgroup: %w", pid, err)
		}
	}
	return nil
}
