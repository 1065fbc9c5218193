package cgroups

import (
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// TestKillFileAbsent: without a cgroup.kill file (Linux before 5.14, or
// not a v2 cgroup) killFile reports that it could not kill, so Signal
// falls back to freezing and signalling.
func TestKillFileAbsent(t *testing.T) {
	killed, err := killFile(t.TempDir())
	if killed || err != nil {
		t.Errorf("killFile = %v, %v; want false, nil", killed, err)
	}
}

// TestKillFile kills a process through the cgroup.kill of its v2 cgroup.
func TestKillFile(t *testing.T) {
	needRoot(t)
	parent := testParent(t)
	m := create(t, "killfile", parent+"/c1")
	dir, ok := m.Paths["unified"]
	if !ok {
		t.Skip("needs a cgroup v2 hierarchy")
	}
	cmd := exec.Command("/bin/busybox", "sleep", "1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(cmd.Process.Pid); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal(err)
	}
	killed, err := killFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !killed {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Skip("this kernel has no cgroup.kill")
	}
	waitSignaled(t, cmd, unix.SIGKILL)
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, parent)
}
