package engines

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mountEntry is one line of /proc/self/mountinfo.
type mountEntry struct {
	root, point, fstype string
}

func mounts() ([]mountEntry, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	var out []mountEntry
	for _, line := range strings.Split(string(b), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 5 || len(g) < 1 {
			continue
		}
		out = append(out, mountEntry{root: unescape(f[3]), point: unescape(f[4]), fstype: g[0]})
	}
	return out, nil
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountsUnder returns the mount points at or below dir, deepest first.
func mountsUnder(dir string) ([]string, error) {
	all, err := mounts()
	if err != nil {
		return nil, err
	}
	var out []string
	for i := len(all) - 1; i >= 0; i-- {
		if p := all[i].point; p == dir || strings.HasPrefix(p, dir+"/") {
			out = append(out, p)
		}
	}
	return out, nil
}

// hierarchies returns the mount point of every cgroup hierarchy: the v1
// controllers, the named systemd one and the unified one of a hybrid host.
func hierarchies() ([]string, error) {
	all, err := mounts()
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, m := range all {
		if (m.fstype == "cgroup" || m.fstype == "cgroup2") && m.root == "/" && !seen[m.point] {
			seen[m.point] = true
			out = append(out, m.point)
		}
	}
	return out, nil
}

// cgroupDirs returns the directories of the cgroups a process is in, in
// every hierarchy.
func cgroupDirs(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return nil, fmt.Errorf("read cgroups of %d: %w", pid, err)
	}
	all, err := mounts()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, m := range all {
			if m.root == "/" && matchesHierarchy(m, parts[1]) {
				out = append(out, filepath.Join(m.point, parts[2]))
				break
			}
		}
	}
	return out, nil
}

// matchesHierarchy tells whether mount m is the hierarchy that
// /proc/PID/cgroup names by its controller list ("" for cgroup2).
func matchesHierarchy(m mountEntry, controllers string) bool {
	if controllers == "" {
		return m.fstype == "cgroup2"
	}
	if m.fstype != "cgroup" {
		return false
	}
	// The v1 mount points here are named for their controllers; a
	// comounted hierarchy such as cpu,cpuacct is named for both.
	base := filepath.Base(m.point)
	return base == controllers || base == strings.TrimPrefix(controllers, "name=")
}

// checkContainerCgroups checks that the container's process is in
// cgroups under the tests' own parent in every hierarchy it is placed in,
// which shows that the runtime honoured linux.cgroupsPath, and returns
// them.
func checkContainerCgroups(t *testing.T, pid int) []string {
	t.Helper()
	dirs, err := cgroupDirs(pid)
	if err != nil {
		t.Fatal(err)
	}
	var ours []string
	for _, d := range dirs {
		if strings.Contains(d, cgroupParent+"/") {
			ours = append(ours, d)
		}
	}
	// Memory and pids are the controllers the limit tests rely on.
	for _, ctrl := range []string{"/memory/", "/pids/"} {
		found := false
		for _, d := range ours {
			found = found || strings.Contains(d, ctrl)
		}
		if !found {
			t.Fatalf("process %d is in cgroups %q: none of its %s cgroups is under %s", pid, dirs, strings.Trim(ctrl, "/"), cgroupParent)
		}
	}
	return ours
}

// assertGone checks, after an engine removed a container, that its
// process and its cgroups no longer exist.
func assertGone(t *testing.T, pid int, start uint64, cgroups []string) {
	t.Helper()
	if s, ok := procStart(pid); ok && s == start {
		t.Errorf("container process %d still exists after removal", pid)
	}
	for _, d := range cgroups {
		if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("cgroup %s still exists after removal (stat: %v)", d, err)
		}
	}
}

// procStart returns a process's start time, which tells it from a later
// process with the same pid.
func procStart(pid int) (uint64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name may hold spaces and parentheses: fields are
	// counted from the last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, false
	}
	v, err := strconv.ParseUint(f[19], 10, 64)
	return v, err == nil
}

// removeCgroupParent removes the tests' cgroup parent in every hierarchy.
// Only that tree is touched: it was made for these tests, and any process
// still in it was started by one of the tests' engines, so it is killed
// by pid before its cgroup is removed.
func removeCgroupParent() error {
	if !strings.HasPrefix(cgroupParent, "/ocikit-e2e-") {
		return fmt.Errorf("refusing to remove cgroup %q: not one of ours", cgroupParent)
	}
	hs, err := hierarchies()
	if err != nil {
		return err
	}
	var errs []error
	for _, h := range hs {
		top := filepath.Join(h, cgroupParent)
		var dirs []string
		err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return err
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("walk cgroup %q: %w", top, err))
		}
		// Children before parents.
		for i := len(dirs) - 1; i >= 0; i-- {
			if err := removeCgroup(dirs[i]); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// removeCgroup kills what is left in one of our cgroups and removes it.
func removeCgroup(dir string) error {
	var left, found []string
	for try := 0; try < 100; try++ {
		b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("read %q: %w", filepath.Join(dir, "cgroup.procs"), err)
		}
		left = strings.Fields(string(b))
		if len(left) == 0 {
			break
		}
		if found == nil {
			found = left
		}
		for _, p := range left {
			if pid, err := strconv.Atoi(p); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove cgroup %q (processes %v): %w", dir, left, err)
	}
	if found != nil {
		// The engines should have ended every container's processes.
		return fmt.Errorf("cgroup %q still held processes %v at the end; killed them", dir, found)
	}
	return nil
}

// unmountDetach unmounts a mount the engines left under baseDir.
func unmountDetach(p string) error {
	if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount %q: %w", p, err)
	}
	return nil
}
