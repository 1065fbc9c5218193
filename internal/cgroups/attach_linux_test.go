package cgroups

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSelfJoinOffCgroupFS: paths that are not on a cgroup file system (a
// forged or stale state file) hand the process nothing, and ApplyRest
// refuses them as Apply does, without writing to the fake tasks file.
func TestSelfJoinOffCgroupFS(t *testing.T) {
	dir := t.TempDir()
	v1, v2 := filepath.Join(dir, "a"), filepath.Join(dir, "u")
	for _, d := range []string{v1, v2} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"tasks", "cgroup.procs"} {
		if err := os.WriteFile(filepath.Join(v1, name), nil, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	j := Load(State{Paths: map[string]string{"a": v1, "unified": v2}}).OpenSelfJoin()
	defer j.Close()
	if len(j.Tasks) != 0 || j.Dir != nil {
		t.Fatalf("handed over %v and %v from plain directories", j.Tasks, j.Dir)
	}
	if !slices.Equal(j.rest, []string{"a", "unified"}) {
		t.Errorf("left to ApplyRest: %v", j.rest)
	}
	err := j.ApplyRest(os.Getpid())
	if err == nil || !strings.Contains(err.Error(), "not on a cgroup file system") {
		t.Errorf("ApplyRest on plain directories: %v", err)
	}
	for _, name := range []string{"tasks", "cgroup.procs"} {
		if b, _ := os.ReadFile(filepath.Join(v1, name)); len(b) != 0 {
			t.Errorf("%s was written: %q", name, b)
		}
	}
}

// TestSelfJoinWrongVersion: a v1 key naming a cgroup2 directory and the
// unified key naming a v1 one hand nothing over. Only opened, never
// written: these are the host's cgroups.
func TestSelfJoinWrongVersion(t *testing.T) {
	hs, err := Hierarchies()
	if err != nil {
		t.Fatal(err)
	}
	var v1, v2 string
	for _, h := range hs {
		if h.Version == 1 && v1 == "" {
			v1 = h.Mountpoint
		}
		if h.Version == 2 {
			v2 = h.Mountpoint
		}
	}
	if v1 == "" || v2 == "" {
		t.Skip("needs a v1 and a v2 hierarchy mounted (a hybrid host)")
	}
	j := Load(State{Paths: map[string]string{"x": v2, "unified": v1}}).OpenSelfJoin()
	defer j.Close()
	if len(j.Tasks) != 0 || j.Dir != nil || !slices.Equal(j.rest, []string{"unified", "x"}) {
		t.Errorf("handed over %v and %v, left %v", j.Tasks, j.Dir, j.rest)
	}
}

// startJoining starts a busybox shell that joins j's cgroups itself, as
// the nsenter constructor does (it writes "0" to each tasks file it
// inherits, having been started in j.Dir), says so and sleeps. The shell
// is single-threaded, so moving its thread moves the process.
func startJoining(t *testing.T, j *SelfJoin) *exec.Cmd {
	t.Helper()
	var script strings.Builder
	for i := range j.Tasks {
		fmt.Fprintf(&script, "echo 0 >&%d || exit 1; ", 3+i)
	}
	script.WriteString("echo joined; exec /bin/busybox sleep 1000")
	cmd := exec.Command("/bin/busybox", "sh", "-c", script.String())
	cmd.ExtraFiles = j.Tasks
	cmd.Stderr = os.Stderr
	if j.Dir != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(j.Dir.Fd())}
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start in the cgroup: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "joined\n" {
		t.Fatalf("the shell did not join its cgroups: %q, %v", line, err)
	}
	return cmd
}

func TestSelfJoin(t *testing.T) {
	needRoot(t)
	parent := testParent(t)
	leaf := parent + "/c1"
	m := create(t, "t1", leaf)
	j := m.OpenSelfJoin()
	defer j.Close()
	_, hasV2 := m.Paths["unified"]
	v1 := len(m.Paths)
	if hasV2 {
		v1--
	}
	if len(j.rest) != 0 || len(j.Tasks) != v1 || (j.Dir != nil) != hasV2 {
		t.Fatalf("tasks %v, dir %v, rest %v for %v", j.Tasks, j.Dir, j.rest, m.Paths)
	}
	for _, f := range append(slices.Clone(j.Tasks), j.Dir) {
		if f == nil {
			continue
		}
		if fl, err := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
			t.Errorf("%s: fd flags %#x, %v: not close-on-exec", f.Name(), fl, err)
		}
	}

	cmd := startJoining(t, j)
	pid := cmd.Process.Pid
	if err := j.ApplyRest(pid); err != nil {
		t.Fatal(err)
	}
	got := cgroupOf(t, pid)
	for key := range m.Paths {
		if got[key] != leaf {
			t.Errorf("pid %d is in %q of %s, want %q", pid, got[key], key, leaf)
		}
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

// TestSelfJoinDirRefused: when the process cannot be started in the v2
// cgroup, ApplyRest moves it there, and only there.
func TestSelfJoinDirRefused(t *testing.T) {
	needRoot(t)
	parent := testParent(t)
	leaf := parent + "/c1"
	m := create(t, "t1", leaf)
	if _, ok := m.Paths["unified"]; !ok {
		t.Skip("needs a cgroup v2 hierarchy")
	}
	j := m.OpenSelfJoin()
	defer j.Close()
	j.DirRefused(errors.New("clone3: function not implemented"))
	if j.Dir != nil || !slices.Equal(j.rest, []string{"unified"}) {
		t.Fatalf("after DirRefused: dir %v, rest %v", j.Dir, j.rest)
	}
	cmd := startSleep(t)
	pid := cmd.Process.Pid
	before := cgroupOf(t, pid)
	if err := j.ApplyRest(pid); err != nil {
		t.Fatal(err)
	}
	for key, p := range cgroupOf(t, pid) {
		want := before[key]
		if key == "unified" {
			want = leaf
		}
		if p != want {
			t.Errorf("pid %d is in %q of %s, want %q", pid, p, key, want)
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, parent)
}
