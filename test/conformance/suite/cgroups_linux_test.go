package suite

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

const hybridSelfCgroup = `4:memory:/process_api/abc
3:cpu,cpuacct:/
1:name=systemd:/
0::/
`

func TestCgroupSweeperCandidates(t *testing.T) {
	root := t.TempDir()
	mounts := []mountEntry{
		{Root: "/", MountPoint: filepath.Join(root, "unified"), FSType: "cgroup2", SuperOptions: "rw,nsdelegate"},
		{Root: "/", MountPoint: filepath.Join(root, "memory"), FSType: "cgroup", SuperOptions: "rw,memory"},
		{Root: "/", MountPoint: filepath.Join(root, "cpu,cpuacct"), FSType: "cgroup", SuperOptions: "rw,cpu,cpuacct"},
		// A bind mount of part of a hierarchy, and a file system that is
		// no cgroup: both ignored.
		{Root: "/sub", MountPoint: filepath.Join(root, "bound"), FSType: "cgroup", SuperOptions: "rw,memory"},
		{Root: "/", MountPoint: filepath.Join(root, "tmp"), FSType: "tmpfs", SuperOptions: "rw"},
	}
	s, err := newCgroupSweeper(mounts, strings.NewReader(hybridSelfCgroup))
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, c := range s.candidates {
		r, _ := filepath.Rel(root, c)
		rel = append(rel, r)
	}
	want := []string{
		"cpu,cpuacct/cgrouptest",
		"cpu,cpuacct/testdir",
		"cpu,cpuacct/testdir/cgrouptest",
		"cpu,cpuacct/testdir/cgrouptest/container",
		"memory/cgrouptest",
		"memory/process_api/abc/cgrouptest",
		"memory/process_api/abc/testdir",
		"memory/process_api/abc/testdir/cgrouptest",
		"memory/process_api/abc/testdir/cgrouptest/container",
		"memory/testdir",
		"memory/testdir/cgrouptest",
		"memory/testdir/cgrouptest/container",
		"unified/cgrouptest",
		"unified/testdir",
		"unified/testdir/cgrouptest",
		"unified/testdir/cgrouptest/container",
	}
	sorted := append([]string(nil), rel...)
	sort.Strings(sorted)
	if !reflect.DeepEqual(sorted, want) {
		t.Errorf("candidates =\n%s\nwant\n%s", strings.Join(sorted, "\n"), strings.Join(want, "\n"))
	}
	// Children come before their parents, so that rmdir can succeed.
	pos := map[string]int{}
	for i, r := range rel {
		pos[r] = i
	}
	for _, r := range rel {
		if i, ok := pos[filepath.Dir(r)]; ok && i < pos[r] {
			t.Errorf("%s comes before its child %s", filepath.Dir(r), r)
		}
	}
}

func TestCgroupSweeperKeepsWhatWasThere(t *testing.T) {
	root := t.TempDir()
	mem := filepath.Join(root, "memory")
	// Made before the run: must survive the sweep.
	before := filepath.Join(mem, "cgrouptest")
	if err := os.MkdirAll(before, 0o755); err != nil {
		t.Fatal(err)
	}
	mounts := []mountEntry{{Root: "/", MountPoint: mem, FSType: "cgroup", SuperOptions: "rw,memory"}}
	s, err := newCgroupSweeper(mounts, strings.NewReader("4:memory:/\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Preexisting(); !reflect.DeepEqual(got, []string{before}) {
		t.Errorf("Preexisting = %v, want [%s]", got, before)
	}
	// Made during the run, as a runtime would.
	made := filepath.Join(mem, "testdir", "cgrouptest", "container")
	if err := os.MkdirAll(made, 0o755); err != nil {
		t.Fatal(err)
	}
	// Not empty: rmdir must fail and the sweep report it rather than
	// remove what is inside.
	busy := filepath.Join(mem, "testdir", "cgrouptest", "other")
	if err := os.Mkdir(busy, 0o755); err != nil {
		t.Fatal(err)
	}
	leaks := s.Sweep()
	if _, err := os.Stat(before); err != nil {
		t.Errorf("pre-existing cgroup removed: %v", err)
	}
	if _, err := os.Stat(made); !os.IsNotExist(err) {
		t.Errorf("cgroup made during the run still there: %v", err)
	}
	if _, err := os.Stat(busy); err != nil {
		t.Errorf("unrelated child removed: %v", err)
	}
	if len(leaks) != 2 {
		t.Errorf("leaks = %v, want testdir/cgrouptest and testdir", leaks)
	}
	if err := os.Remove(busy); err != nil {
		t.Fatal(err)
	}
	if leaks := s.Sweep(); len(leaks) != 0 {
		t.Errorf("second sweep leaks = %v", leaks)
	}
	if _, err := os.Stat(filepath.Join(mem, "testdir")); !os.IsNotExist(err) {
		t.Errorf("testdir still there after the second sweep")
	}
}

func TestParseProcCgroupRejectsGarbage(t *testing.T) {
	if _, err := parseProcCgroup(strings.NewReader("garbage\n")); err == nil {
		t.Errorf("garbage accepted")
	}
}
