package cgroups

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// unifiedKey is the key of the cgroup v2 hierarchy in Manager.Paths (see
// Hierarchy.Key).
const unifiedKey = "unified"

// SelfJoin lets a process about to start join the container's cgroups
// itself instead of being moved by its parent, which is much cheaper.
//
// Why: writing another process's pid to cgroup.procs write-locks the
// kernel's global cgroup_threadgroup_rwsem, and the first such write after
// a quiet spell waits for an RCU grace period (5-20 ms, docs/performance.md).
// Two ways in skip that lock:
//
//   - cgroup v1: a single thread writing "0" (itself) to a cgroup's "tasks"
//     file. The parent opens the files (with its own credentials, which
//     the kernel checks at open time) and hands them to the new process;
//     a single-threaded process moving its one thread moves the process.
//   - cgroup v2: clone3(CLONE_INTO_CGROUP) with an fd of the cgroup's
//     directory, which creates the child in the cgroup and takes that lock
//     only for reading (syscall.SysProcAttr.UseCgroupFD).
//
// Whatever cannot go either way (a file that cannot be opened, a directory
// that is not on the expected file system, a kernel that refuses the
// clone) is left to ApplyRest, which moves the process as Apply does and
// fails as Apply would; so the container ends up in the same cgroups, or
// the same error is reported, as with Apply alone.
type SelfJoin struct {
	// Tasks are the "tasks" files of the container's v1 cgroups, open for
	// writing, in the order of Manager.Paths' sorted keys. The new process
	// must write "0" to each before it joins or makes any namespace (a
	// new cgroup namespace is rooted at the unsharer's cgroup), and must
	// close them before anything of the container runs.
	Tasks []*os.File
	// Dir is the container's cgroup v2 directory, opened O_PATH, to start
	// the new process in with clone3(CLONE_INTO_CGROUP); nil when the
	// Manager has no v2 cgroup or it could not be opened.
	Dir *os.File

	m    *Manager
	rest []string // keys of the hierarchies ApplyRest moves the process in
}

// OpenSelfJoin opens what a new process needs to join m's cgroups itself.
// It does not fail: a hierarchy it cannot prepare is left to ApplyRest.
// The caller closes the SelfJoin once the process has started.
func (m *Manager) OpenSelfJoin() *SelfJoin {
	j := &SelfJoin{m: m}
	for _, key := range m.keys() {
		dir := m.Paths[key]
		var f *os.File
		var err error
		if key == unifiedKey {
			f, err = openChecked(dir, "", unix.O_PATH|unix.O_DIRECTORY, unix.CGROUP2_SUPER_MAGIC)
		} else {
			f, err = openChecked(dir, "tasks", unix.O_WRONLY, unix.CGROUP_SUPER_MAGIC)
		}
		if err != nil {
			// A rootless runtime with a cgroup it may only partly write
			// to, a kernel without the file: the old way decides.
			m.log.Debug("cgroups: the process cannot join this cgroup itself; its parent moves it", "path", dir, "err", err)
			j.rest = append(j.rest, key)
			continue
		}
		if key == unifiedKey {
			j.Dir = f
		} else {
			j.Tasks = append(j.Tasks, f)
		}
	}
	return j
}

// openChecked opens dir/name (dir itself when name is empty) close-on-exec
// and without following a final symlink, and makes sure the open file lies
// on the cgroup file system of type magic. The check is on the open fd,
// not the path, so a path that a forged state file or a concurrent rename
// points elsewhere cannot hand the process anything but a cgroup file.
func openChecked(dir, name string, flags int, magic int64) (*os.File, error) {
	fd, err := openCheckedFd(dir, name, flags, magic)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), filepath.Join(dir, name)), nil
}

// openCheckedFd is openChecked on a bare descriptor, for callers that
// only hand the fd to a system call.
func openCheckedFd(dir, name string, flags int, magic int64) (int, error) {
	p := filepath.Join(dir, name)
	fd, err := unix.Open(p, flags|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return -1, fmt.Errorf("open %q: %w", p, err)
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("statfs %q: %w", p, err)
	}
	if st.Type != magic {
		unix.Close(fd)
		kind := "cgroup v1"
		if magic == unix.CGROUP2_SUPER_MAGIC {
			kind = "cgroup2"
		}
		return -1, fmt.Errorf("%q is not on a %s file system", p, kind)
	}
	return fd, nil
}

// NoSelfJoin is a SelfJoin that joins nothing and moves nothing: for a
// process the caller moves in later, with Apply.
func (m *Manager) NoSelfJoin() *SelfJoin { return &SelfJoin{m: m} }

// DirRefused records that the process could not be started in Dir (err is
// why: no clone3 before Linux 5.3, no CLONE_INTO_CGROUP before 5.7, a
// cgroup that may not take processes): ApplyRest moves it into the v2
// cgroup instead. It closes Dir.
func (j *SelfJoin) DirRefused(err error) {
	if j.Dir == nil {
		return
	}
	j.m.log.Debug("cgroups: cannot start the process in its cgroup; its parent moves it", "path", j.Dir.Name(), "err", err)
	j.Dir.Close()
	j.Dir = nil
	j.rest = append(j.rest, unifiedKey)
}

// ApplyRest moves process pid into the container's cgroup in every
// hierarchy the process does not join itself, as Apply does.
func (j *SelfJoin) ApplyRest(pid int) error {
	return j.m.applyTo(pid, j.rest)
}

// Close closes the parent's copies of the files (the started process holds
// its own); calling it again does nothing.
func (j *SelfJoin) Close() {
	for _, f := range j.Tasks {
		f.Close()
	}
	j.Tasks = nil
	if j.Dir != nil {
		j.Dir.Close()
		j.Dir = nil
	}
}
