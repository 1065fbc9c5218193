package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// rootless reports whether the runtime lacks the host's root privileges:
// it runs as another user, or as root of a user namespace other than the
// initial one (which maps the whole range, "0 0 4294967295").
func rootless() bool {
	if os.Geteuid() != 0 {
		return true
	}
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return !slices.Equal(f, []string{"0", "0", "4294967295"})
}

// readFile returns a cgroup file's content without its trailing newline.
func readFile(dir, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// writeFile writes one value to an existing cgroup file. It never creates
// the file: a missing one means the directory is not the cgroup we think.
func writeFile(dir, name, value string) error {
	p := filepath.Join(dir, name)
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("open %q: %w", p, bare(err))
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %q: %w", p, bare(err))
	}
	return nil
}

// bare strips the *fs.PathError around an errno, for messages that name
// the path themselves.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkCgroupFS makes sure dir lies on a cgroup file system before this
// package removes or writes anything there, so a damaged or forged state
// file cannot turn Destroy into an rmdir of arbitrary empty directories.
func checkCgroupFS(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return fmt.Errorf("statfs %q: %w", dir, err)
	}
	if st.Type != unix.CGROUP_SUPER_MAGIC && st.Type != unix.CGROUP2_SUPER_MAGIC {
		return fmt.Errorf("%q is not on a cgroup file system", dir)
	}
	return nil
}

// procs lists the processes of cgroup dir and of its descendants: a
// container may make sub-cgroups of its own (with a cgroup namespace), and
// its processes there still belong to it. A cgroup removed meanwhile holds
// nothing.
func procs(dir string) ([]int, error) {
	s, err := readFile(dir, "cgroup.procs")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var pids []int
	for _, f := range strings.Fields(s) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("list processes: %q: bad pid %q", filepath.Join(dir, "cgroup.procs"), f)
		}
		pids = append(pids, pid)
	}
	subs, err := subdirs(dir)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	for _, sub := range subs {
		p, err := procs(sub)
		if err != nil {
			return nil, err
		}
		pids = append(pids, p...)
	}
	slices.Sort(pids)
	return slices.Compact(pids), nil
}

// subdirs lists the child cgroups of dir (its subdirectories).
func subdirs(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}
