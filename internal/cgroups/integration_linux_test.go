package cgroups

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestLifecycle(t *testing.T) {
	needRoot(t)
	parent := testParent(t)
	leaf := parent + "/c1"
	m := create(t, "t1", leaf)
	hs, err := Hierarchies()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Paths) != len(hs) {
		t.Fatalf("paths %v for %d hierarchies", m.Paths, len(hs))
	}
	if got := len(m.State().Owned); got != 2*len(hs) {
		t.Errorf("owns %d directories, want parent and leaf in %d hierarchies: %v", got, len(hs), m.State().Owned)
	}
	assertExists(t, leaf)
	for key, d := range m.Paths {
		if !slices.Contains(strings.Split(key, ","), "cpuset") {
			continue
		}
		for _, dir := range []string{filepath.Dir(d), d} {
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				if v, err := readFile(dir, f); err != nil || v == "" {
					t.Errorf("%s/%s = %q, %v: not inherited", dir, f, v, err)
				}
			}
		}
	}

	cmd := startSleep(t)
	pid := cmd.Process.Pid
	if err := m.Apply(pid); err != nil {
		t.Fatal(err)
	}
	for key, p := range cgroupOf(t, pid) {
		if _, held := m.Paths[key]; held && p != leaf {
			t.Errorf("pid %d is in %q of %s, want %q", pid, p, key, leaf)
		}
	}
	if pids, err := m.Pids(); err != nil || !slices.Equal(pids, []int{pid}) {
		t.Errorf("Pids = %v, %v; want [%d]", pids, err, pid)
	}
	err = m.Destroy()
	if err == nil || !strings.Contains(err.Error(), "still has processes") || !errors.Is(err, unix.EBUSY) {
		t.Errorf("Destroy of a busy cgroup: %v", err)
	}
	assertExists(t, leaf)

	// oci-kill and oci-delete work from the saved state.
	l := Load(m.State())
	if err := l.Signal(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitSignaled(t, cmd, unix.SIGKILL)
	for key, d := range l.Paths {
		if slices.Contains(strings.Split(key, ","), "freezer") {
			if st, _ := readFile(d, "freezer.state"); st != "THAWED" {
				t.Errorf("freezer.state %q after Signal", st)
			}
		}
		if key == "unified" {
			if v, _ := readFile(d, "cgroup.freeze"); v != "0" {
				t.Errorf("cgroup.freeze %q after Signal", v)
			}
		}
	}
	if pids, err := l.Pids(); err != nil || len(pids) != 0 {
		t.Errorf("Pids after the kill = %v, %v", pids, err)
	}
	if err := l.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, parent)
	if err := l.Destroy(); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
	if pids, err := l.Pids(); err != nil || len(pids) != 0 {
		t.Errorf("Pids of a removed cgroup = %v, %v", pids, err)
	}
}

func TestSignalOther(t *testing.T) {
	needRoot(t)
	parent := testParent(t)
	m := create(t, "t1", parent+"/c1")
	cmd := startSleep(t)
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := m.Signal(unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitSignaled(t, cmd, unix.SIGTERM)
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, parent)
}

func TestJoinExistingLeaf(t *testing.T) {
	needRoot(t)
	parent := testParent(t)
	leaf := parent + "/c1"
	owner := create(t, "owner", leaf) // stands for the user preparing the cgroup
	m := create(t, "t1", leaf)
	if owned := m.State().Owned; len(owned) != 0 {
		t.Errorf("joining an existing cgroup owns %v", owned)
	}
	cmd := startSleep(t)
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := m.Signal(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitSignaled(t, cmd, unix.SIGKILL)
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertExists(t, leaf)
	if err := owner.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, parent)
}

func TestDestroyLeavesSharedParent(t *testing.T) {
	needRoot(t)
	parent := testParent(t)
	m1 := create(t, "t1", parent+"/c1") // makes the parent
	m2 := create(t, "t2", parent+"/c2")
	if err := m1.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, parent+"/c1")
	assertExists(t, parent+"/c2")
	if err := m2.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, parent+"/c2")
	// m1 made the parent but could not remove it while c2 was there; m2
	// did not make it. The test's cleanup removes it.
	assertExists(t, parent)
}

func TestDestroyRemovesContainerSubcgroups(t *testing.T) {
	needRoot(t)
	parent := testParent(t)
	m := create(t, "t1", parent+"/c1")
	// The container makes a child cgroup of its own and moves into it.
	sub := create(t, "sub", parent+"/c1/sub")
	cmd := startSleep(t)
	pid := cmd.Process.Pid
	if err := sub.Apply(pid); err != nil {
		t.Fatal(err)
	}
	if pids, err := m.Pids(); err != nil || !slices.Equal(pids, []int{pid}) {
		t.Errorf("Pids = %v, %v; want [%d] from the child cgroup", pids, err, pid)
	}
	err := m.Destroy()
	if err == nil || !strings.Contains(err.Error(), "/c1/sub") {
		t.Errorf("Destroy with a busy child cgroup: %v", err)
	}
	if err := m.Signal(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitSignaled(t, cmd, unix.SIGKILL)
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, parent)
}
