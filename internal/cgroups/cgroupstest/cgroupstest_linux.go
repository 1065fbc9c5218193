package cgroupstest

import (
	"bytes"
	"errors"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TryDevices starts a shell that waits, moves it into a cgroup with apply
// (a Manager's Apply), then lets it open /dev/zero, /dev/null and
// /dev/urandom, and returns what it says: "zero-ok" or "zero-denied", and
// so on. The shell is moved before it opens anything, so the cgroup's
// device rules judge every open.
func TryDevices(t *testing.T, apply func(pid int) error) string {
	t.Helper()
	cmd := exec.Command("/bin/busybox", "sh", "-c", `read x
		/bin/busybox head -c1 /dev/zero >/dev/null && echo zero-ok || echo zero-denied
		echo x >/dev/null && echo null-ok || echo null-denied
		/bin/busybox head -c1 /dev/urandom >/dev/null && echo urandom-ok || echo urandom-denied`)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := apply(cmd.Process.Pid); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal(err)
	}
	in.Write([]byte("go\n"))
	in.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	return out.String()
}

// WantDenied checks TryDevices' output for /dev/zero denied while
// /dev/null and /dev/urandom, which every container gets, stay allowed.
func WantDenied(t *testing.T, out string) {
	t.Helper()
	for _, want := range []string{"zero-denied", "null-ok", "urandom-ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q, want %s", out, want)
		}
	}
}

// RemoveTree removes cgroup directory dir and every cgroup below it,
// deepest first (a cgroup with children cannot be removed); one that is
// already gone is fine, any other failure is the test's.
func RemoveTree(t *testing.T, dir string) {
	t.Helper()
	var dirs []string
	_ = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && e.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	for _, d := range slices.Backward(dirs) {
		if err := unix.Rmdir(d); err != nil && !errors.Is(err, unix.ENOENT) {
			t.Errorf("cleanup: rmdir %s: %v", d, err)
		}
	}
}
