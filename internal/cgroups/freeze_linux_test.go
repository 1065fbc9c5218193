package cgroups

import (
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestFreezeThaw pauses a shell that appends to a file without end: while
// frozen the file must not grow, after Thaw it must. Then a SIGKILL sent
// while it is frozen must kill it (the v1 freezer holds SIGKILL until the
// thaw Signal does). Once with the whole manager (on a hybrid host the v1
// freezer), once with only cgroup v2, once with only the v1 hierarchies.
func TestFreezeThaw(t *testing.T) {
	needRoot(t)
	parent := testParent(t)
	m := create(t, "freeze", parent+"/c1")
	v1 := maps.Clone(m.Paths)
	delete(v1, "unified")
	cases := []struct {
		name string
		m    *Manager
	}{{"all", m}, {"v1", Load(State{Paths: v1})}}
	if d, ok := m.Paths["unified"]; ok {
		cases = append(cases, struct {
			name string
			m    *Manager
		}{"v2", Load(State{Paths: map[string]string{"unified": d}})})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.m.pauseFreezer(); errors.Is(err, ErrNoFreezer) {
				t.Skip("no freezer in this hierarchy set")
			}
			freezeAndThaw(t, m, tc.m)
		})
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, parent)
}

func freezeAndThaw(t *testing.T, m, pauser *Manager) {
	out := filepath.Join(t.TempDir(), "f")
	cmd := exec.Command("/bin/busybox", "sh", "-c", `read go; while :; do echo x >> "$0"; done`, out)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = m.Signal(unix.SIGKILL)
		_ = cmd.Wait()
	}()
	if err := m.Apply(cmd.Process.Pid); err != nil {
		_ = cmd.Process.Kill()
		t.Fatal(err)
	}
	if _, err := stdin.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	stdin.Close()
	waitFor(t, "the shell to write", func() bool { return size(t, out) > 0 })

	if err := pauser.Freeze(); err != nil {
		t.Fatal(err)
	}
	if frozen, err := pauser.Frozen(); err != nil || !frozen {
		t.Fatalf("Frozen() = %v, %v after Freeze", frozen, err)
	}
	f, _ := pauser.pauseFreezer()
	if v, err := readFile(f.dir, f.file); err != nil || v != f.on {
		t.Fatalf("%s/%s = %q, %v; want %q", f.dir, f.file, v, err, f.on)
	}
	// Freeze returned only once every task stopped: nothing may write now.
	before := size(t, out)
	time.Sleep(50 * time.Millisecond)
	if after := size(t, out); after != before {
		t.Fatalf("the file grew from %d to %d bytes while frozen", before, after)
	}
	if err := pauser.Freeze(); err != nil {
		t.Fatalf("freezing a frozen cgroup: %v", err)
	}

	if err := pauser.Thaw(); err != nil {
		t.Fatal(err)
	}
	if frozen, err := pauser.Frozen(); err != nil || frozen {
		t.Fatalf("Frozen() = %v, %v after Thaw", frozen, err)
	}
	waitFor(t, "the shell to write again", func() bool { return size(t, out) > before })

	if err := pauser.Freeze(); err != nil {
		t.Fatal(err)
	}
	if err := pauser.Signal(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitSignaled(t, cmd, unix.SIGKILL)
	if frozen, err := pauser.Frozen(); err != nil || frozen {
		t.Fatalf("Frozen() = %v, %v after the kill", frozen, err)
	}
}

func size(t *testing.T, p string) int64 {
	t.Helper()
	st, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// TestFreezeWithoutCgroup: a manager holding no cgroup (rootless without
// delegation) cannot pause, and is never frozen.
func TestFreezeWithoutCgroup(t *testing.T) {
	m := Load(State{})
	if err := m.Freeze(); !errors.Is(err, ErrNoCgroup) {
		t.Fatalf("Freeze: %v, want ErrNoCgroup", err)
	}
	if err := m.Thaw(); !errors.Is(err, ErrNoCgroup) {
		t.Fatalf("Thaw: %v, want ErrNoCgroup", err)
	}
	if frozen, err := m.Frozen(); err != nil || frozen {
		t.Fatalf("Frozen() = %v, %v", frozen, err)
	}
}
