package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CgroupParent is the one cgroup this program owns: the runtimes create
// /ocikit-bench-<pid> in every hierarchy as the parent of the containers'
// cgroups, and the program removes it, and only it, at the end. Nothing
// outside it is ever written, moved or removed.
type CgroupParent struct {
	Path   string  // as in linux.cgroupsPath: /ocikit-bench-<pid>
	mounts []Mount // the hierarchies seen in this mount namespace
}

// NewCgroupParent names the parent for this process and checks that no
// hierarchy has it yet: an existing directory of that name (a crashed run
// whose pid was reused) belongs to someone else as far as this program
// knows, so it refuses to run rather than remove it later.
func NewCgroupParent(mounts []Mount) (*CgroupParent, error) {
	p := &CgroupParent{Path: fmt.Sprintf("/ocikit-bench-%d", os.Getpid()), mounts: mounts}
	for _, d := range p.dirs() {
		if _, err := os.Lstat(d); err == nil {
			return nil, fmt.Errorf("cgroup %q exists already: not ours to use or remove", d)
		}
	}
	return p, nil
}

func (p *CgroupParent) dirs() []string {
	var ds []string
	for _, m := range p.mounts {
		ds = append(ds, filepath.Join(m.MountPoint, p.Path))
	}
	return ds
}

// MemoryUsage reads memory.usage_in_bytes of the v1 memory cgroup of the
// container whose cgroupsPath is path.
func (p *CgroupParent) MemoryUsage(path string) (int64, error) {
	mem := MemoryMount(p.mounts)
	if mem == "" {
		return 0, errors.New("no v1 memory hierarchy")
	}
	f := filepath.Join(mem, path, "memory.usage_in_bytes")
	b, err := os.ReadFile(f)
	if err != nil {
		return 0, fmt.Errorf("read %q: %w", f, err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse %q: %w", f, err)
	}
	return n, nil
}

// Remove removes the parent and whatever the runtimes left below it, in
// every hierarchy, deepest first. A cgroup that still holds processes
// (a container a runtime failed to delete) has them killed first: they
// can only be containers this program started, since nothing else is
// placed below the parent.
func (p *CgroupParent) Remove() error {
	var errs []error
	for _, d := range p.dirs() {
		if err := removeTree(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func removeTree(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read cgroup %q: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := removeTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	for attempt := 0; ; attempt++ {
		err := syscall.Rmdir(dir)
		if err == nil || errors.Is(err, syscall.ENOENT) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) || attempt == 50 {
			return fmt.Errorf("rmdir cgroup %q: %w", dir, err)
		}
		if attempt == 0 {
			killProcs(dir)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// killProcs sends SIGKILL to every process listed in dir/cgroup.procs.
func killProcs(dir string) {
	f, err := os.Open(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if pid, err := strconv.Atoi(strings.TrimSpace(sc.Text())); err == nil && pid > 1 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
