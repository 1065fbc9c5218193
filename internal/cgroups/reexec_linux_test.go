package cgroups

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// helperMain runs in a re-executed test binary: it makes the container's
// cgroup as New and Create see it from this process, prints the State as
// JSON and exits.
func helperMain(cgroupsPath string) {
	// Wait until the parent test has put this process where it wants it;
	// without its word (it failed, the pipe closed) do nothing.
	if line, err := bufio.NewReader(os.Stdin).ReadString('\n'); line != "go\n" {
		fmt.Fprintf(os.Stderr, "no go from the test: %q, %v\n", line, err)
		os.Exit(1)
	}
	m, err := New("helper", cgroupsPath, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err == nil {
		err = m.Create()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(m.State()); err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

// runHelper re-executes bin as a helper of test name and returns the State
// it printed and its stderr. started runs once the helper exists and
// before it goes on.
func runHelper(t *testing.T, bin, name, cgroupsPath string, attr *syscall.SysProcAttr, started func(pid int)) (State, string) {
	t.Helper()
	cmd := exec.Command(bin, "-test.run=^"+name+"$")
	cmd.Env = append(os.Environ(), helperEnv+"="+cgroupsPath)
	cmd.Dir = "/"
	cmd.SysProcAttr = attr
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if cmd.ProcessState == nil { // the test failed before the helper ended
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	if started != nil {
		started(cmd.Process.Pid)
	}
	stdin.Write([]byte("go\n"))
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v\n%s", err, stderr.String())
	}
	var s State
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("helper printed %q: %v\n%s", stdout.String(), err, stderr.String())
	}
	return s, stderr.String()
}

func TestRelativePathUnderCallerCgroup(t *testing.T) {
	if p, ok := os.LookupEnv(helperEnv); ok {
		helperMain(p)
	}
	needRoot(t)
	parent := testParent(t)
	// The helper, not the test process, moves into a cgroup of the test's.
	home := create(t, "home", parent+"/home")
	s, _ := runHelper(t, os.Args[0], t.Name(), "rel/c1", nil, func(pid int) {
		if err := home.Apply(pid); err != nil {
			t.Fatal(err)
		}
	})
	if len(s.Paths) != len(home.Paths) {
		t.Errorf("helper paths %v, home %v", s.Paths, home.Paths)
	}
	var want []string
	for key, d := range home.Paths {
		if got := s.Paths[key]; got != d+"/rel/c1" {
			t.Errorf("%s: %q, want %q", key, got, d+"/rel/c1")
		}
		want = append(want, d+"/rel", d+"/rel/c1")
	}
	if len(s.Owned) != len(want) {
		t.Errorf("owned %v, want %v", s.Owned, want)
	}
	assertExists(t, parent+"/home/rel/c1")
	if err := Load(s).Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, parent+"/home/rel")
	if err := home.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, parent)
}

func TestRootlessRunsWithoutCgroup(t *testing.T) {
	if p, ok := os.LookupEnv(helperEnv); ok {
		helperMain(p)
	}
	needRoot(t)
	parent := testParent(t)
	// The test binary sits in a directory only root may enter; give the
	// unprivileged helper a copy it can run.
	dir, err := os.MkdirTemp("", "ocikit-cgroups-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "cgroups.test")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	nobody := &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}}
	s, log := runHelper(t, bin, t.Name(), parent+"/c1", nobody, nil)
	t.Logf("helper's log:\n%s", log)
	if len(s.Paths) != 0 || len(s.Owned) != 0 {
		t.Errorf("rootless state %+v, want none", s)
	}
	if n := strings.Count(log, "running without a cgroup of its own"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, log)
	}
	assertGone(t, parent)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
