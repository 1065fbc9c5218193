package cgroups

import (
	"errors"
	"maps"
	"os/exec"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestSignalKillsForkingTree kills a shell that keeps forking while it is
// being killed, once freezing through cgroup v2 and once through the v1
// freezer: no child may escape.
func TestSignalKillsForkingTree(t *testing.T) {
	needRoot(t)
	parent := testParent(t)
	m := create(t, "fork", parent+"/c1")
	v1 := maps.Clone(m.Paths)
	delete(v1, "unified")
	for _, tc := range []struct {
		name string
		m    *Manager
	}{
		{"v2", m},
		{"v1", Load(State{Paths: v1})},
	} {
		t.Run(tc.name, func(t *testing.T) { forkAndKill(t, m, tc.m) })
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, parent)
}

func forkAndKill(t *testing.T, m, killer *Manager) {
	// The orphaned children come back to the test to be reaped, instead of
	// lingering as zombies under a pid 1 that may not reap.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)

	cmd := exec.Command("/bin/busybox", "sh", "-c",
		`read go; i=0; while [ $i -lt 300 ]; do /bin/busybox sleep 1000 & i=$((i+1)); done; wait`)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = m.Signal(unix.SIGKILL) // whatever a failed test left alive
		reapAll(t)
	}()
	if err := m.Apply(cmd.Process.Pid); err != nil {
		_ = cmd.Process.Kill()
		t.Fatal(err)
	}
	// Only now, inside the cgroup, may the shell start forking.
	if _, err := stdin.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	stdin.Close()
	waitFor(t, "the shell to fork", func() bool {
		pids, err := m.Pids()
		return err != nil || len(pids) >= 20
	})
	if err := killer.Signal(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitSignaled(t, cmd, unix.SIGKILL)
	waitFor(t, "every process of the cgroup to die", func() bool {
		pids, err := m.Pids()
		return err != nil || len(pids) == 0
	})
}

// waitFor polls cond until it holds. The deadline only keeps a broken
// build from hanging; it asserts nothing about speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// reapAll reaps the test process's remaining children: the orphans handed
// to it as a subreaper.
func reapAll(t *testing.T) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		pid, err := unix.Wait4(-1, nil, unix.WNOHANG, nil)
		if errors.Is(err, unix.ECHILD) {
			return
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			t.Errorf("wait4: %v", err)
			return
		}
		if pid == 0 {
			// Children still running: they escaped or are still dying.
			time.Sleep(5 * time.Millisecond)
		}
	}
	t.Error("gave up reaping children")
}
