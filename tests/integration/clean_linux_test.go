package integration

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ocikit/ocikit/internal/mountinfo"
)

// assertClean checks that nothing of the containers ids is left: no state
// folder in root, no cgroup directory ocikit-ID in any hierarchy, no mount
// in the host's mount namespace below the test's directory (which holds
// root and the bundles), no process in their cgroups or carrying an ID on
// its command line, and no unreaped child of this test binary.
func assertClean(t *testing.T, root string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, err := os.Lstat(filepath.Join(root, id)); !absent(err) {
			t.Errorf("container %s: state folder %s is left (%v)", id, filepath.Join(root, id), err)
		}
		for _, d := range cgroupDirs(t, id) {
			if _, err := os.Lstat(d); !absent(err) {
				t.Errorf("container %s: cgroup %s is left (%v)", id, d, err)
			}
		}
	}
	base := filepath.Dir(root)
	for _, m := range hostMounts(t) {
		if m.point == base || strings.HasPrefix(m.point, base+"/") {
			t.Errorf("mount %s (%s) is left in the host's mount namespace", m.point, m.fstype)
		}
	}
	for _, p := range leftProcesses(ids) {
		t.Errorf("process is left: %s", p)
	}
	for _, z := range zombieChildren() {
		t.Errorf("unreaped child of the test: %s", z)
	}
}

// absent reports whether a lookup's error says there is no such file; a
// name too long to be a file name cannot name one either.
func absent(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENAMETOOLONG)
}

// mountEntry is one line of a mountinfo file.
type mountEntry struct {
	root, point, opts, fstype, source, super string
}

// parseMountinfo decodes a /proc/PID/mountinfo text, skipping lines it
// cannot read.
func parseMountinfo(text string) []mountEntry {
	// Reading a string cannot fail.
	es, _ := mountinfo.ParseLenient(strings.NewReader(text))
	ms := make([]mountEntry, 0, len(es))
	for _, e := range es {
		ms = append(ms, mountEntry{
			root: e.Root, point: e.Mountpoint, opts: e.Options,
			fstype: e.FSType, source: e.Source, super: e.SuperOptions,
		})
	}
	return ms
}

func hostMounts(t *testing.T) []mountEntry {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return parseMountinfo(string(b))
}

// hierarchy is one mounted cgroup hierarchy and this process's cgroup in
// it, under which a container without linux.cgroupsPath gets its own.
type hierarchy struct {
	mountpoint string
	own        string // host path of our cgroup in it
}

var (
	hierOnce sync.Once
	hiers    []hierarchy
	hierErr  error
)

// cgroupDirs returns where container id's cgroup is in each hierarchy
// when its spec has no linux.cgroupsPath.
func cgroupDirs(t *testing.T, id string) []string {
	t.Helper()
	return cgroupDirsFor(t, "ocikit-"+id)
}

// cgroupDirsFor returns the directory of the cgroup path rel, relative to
// this process's cgroup, in each hierarchy.
func cgroupDirsFor(t *testing.T, rel string) []string {
	t.Helper()
	hierOnce.Do(func() { hiers, hierErr = ownHierarchies() })
	if hierErr != nil {
		t.Fatal(hierErr)
	}
	dirs := make([]string, 0, len(hiers))
	for _, h := range hiers {
		dirs = append(dirs, filepath.Join(h.own, rel))
	}
	return dirs
}

// ownHierarchies pairs every cgroup mount with this process's line of
// /proc/self/cgroup: cgroup2 with "0::", a v1 hierarchy with the line
// whose controllers (or name=) are among its mount options.
func ownHierarchies() ([]hierarchy, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	cg, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	type line struct{ ctrls, path string }
	var lines []line
	for _, l := range strings.Split(strings.TrimSpace(string(cg)), "\n") {
		parts := strings.SplitN(l, ":", 3)
		if len(parts) == 3 {
			lines = append(lines, line{parts[1], parts[2]})
		}
	}
	var hs []hierarchy
	seen := map[string]bool{}
	for _, m := range parseMountinfo(string(b)) {
		if m.fstype != "cgroup" && m.fstype != "cgroup2" {
			continue
		}
		opts := map[string]bool{}
		for _, o := range strings.Split(m.super, ",") {
			opts[o] = true
		}
		for _, l := range lines {
			match := m.fstype == "cgroup2" && l.ctrls == ""
			if m.fstype == "cgroup" && l.ctrls != "" {
				match = true
				for _, c := range strings.Split(l.ctrls, ",") {
					match = match && opts[c]
				}
			}
			if !match || seen[m.point] {
				continue
			}
			rel, ok := strings.CutPrefix(l.path, strings.TrimSuffix(m.root, "/"))
			if !ok {
				continue
			}
			seen[m.point] = true
			hs = append(hs, hierarchy{mountpoint: m.point, own: filepath.Join(m.point, rel)})
		}
	}
	if len(hs) == 0 {
		return nil, errors.New("no cgroup hierarchy is mounted")
	}
	return hs, nil
}

// leftProcesses describes every process whose cgroup is one of the
// containers' or whose command line has an ID as an argument (the init is
// started as "TOOL init ID").
func leftProcesses(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	var found []string
	for _, pid := range pids() {
		dir := "/proc/" + strconv.Itoa(pid)
		cg, _ := os.ReadFile(dir + "/cgroup")
		cmdline, _ := os.ReadFile(dir + "/cmdline")
		args := strings.Split(string(bytes.TrimRight(cmdline, "\x00")), "\x00")
		for _, id := range ids {
			cgName := "/ocikit-" + id
			inCgroup := false
			for _, l := range strings.Split(string(cg), "\n") {
				if strings.HasSuffix(l, cgName) || strings.Contains(l, cgName+"/") {
					inCgroup = true
				}
			}
			onCmdline := false
			for _, a := range args {
				onCmdline = onCmdline || a == id
			}
			if inCgroup || onCmdline {
				found = append(found, fmt.Sprintf("pid %d (%s) of container %s", pid, strings.Join(args, " "), id))
			}
		}
	}
	return found
}

// zombieChildren describes the children of this process that have exited
// and were not reaped, apart from tools whose Wait is still to come.
func zombieChildren() []string {
	found := unreapedNow()
	// A tool another test started can exit before that test has
	// recorded it in inflight (cmd.Start returned, the store not yet
	// done) or before its cmd.Wait reaps it: such a zombie is gone
	// moments later. One still there after a second is a real leak.
	for i := 0; i < 20 && len(found) > 0; i++ {
		time.Sleep(50 * time.Millisecond)
		found = unreapedNow()
	}
	return found
}

// unreapedNow lists the zombie children of this test binary that no
// running tool invocation accounts for.
func unreapedNow() []string {
	self := os.Getpid()
	var found []string
	for _, pid := range pids() {
		if _, ok := inflight.Load(pid); ok {
			continue
		}
		st, ppid, comm, ok := procStat(pid)
		if ok && st == 'Z' && ppid == self {
			found = append(found, fmt.Sprintf("pid %d (%s)", pid, comm))
		}
	}
	return found
}

// procStat returns the state, parent pid and command of a process.
func procStat(pid int) (state byte, ppid int, comm string, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, "", false
	}
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return 0, 0, "", false
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 2 {
		return 0, 0, "", false
	}
	ppid, err = strconv.Atoi(f[1])
	return f[0][0], ppid, string(b[open+1 : end]), err == nil
}

// pids lists the processes in /proc.
func pids() []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// countLines returns the number of lines of a file.
func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
	}
	return n
}
