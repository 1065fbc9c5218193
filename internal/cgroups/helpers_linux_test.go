package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ocikit/ocikit/internal/cgroups/cgroupstest"
)

// helperEnv marks a re-executed test binary that plays a helper process.
const helperEnv = "OCIKIT_CGROUPS_TEST_HELPER"

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates cgroups")
	}
}

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testParent returns a fresh absolute cgroup path of the test's own,
// "/ocikit-test-<random>", and removes whatever is left of it in every
// hierarchy when the test ends. Tests put their cgroups under it, so they
// never touch a cgroup they did not make.
func testParent(t *testing.T) string {
	t.Helper()
	p := fmt.Sprintf("/ocikit-test-%016x", rand.Uint64())
	t.Cleanup(func() {
		for _, d := range hostDirs(t, p) {
			cgroupstest.RemoveTree(t, d)
		}
	})
	return p
}

// hostDirs returns cgroup path p's directory in every hierarchy of the
// host (whose cgroup mounts all have Root "/").
func hostDirs(t *testing.T, p string) []string {
	t.Helper()
	hs, err := Hierarchies()
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) == 0 {
		t.Skip("no cgroup hierarchies mounted")
	}
	var ds []string
	for _, h := range hs {
		if h.Root != "/" {
			t.Skipf("the %s hierarchy is mounted with Root %q", h.Key(), h.Root)
		}
		ds = append(ds, filepath.Join(h.Mountpoint, p))
	}
	return ds
}

func assertGone(t *testing.T, p string) {
	t.Helper()
	for _, d := range hostDirs(t, p) {
		if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there (%v)", d, err)
		}
	}
}

func assertExists(t *testing.T, p string) {
	t.Helper()
	for _, d := range hostDirs(t, p) {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			t.Errorf("%s: %v", d, err)
		}
	}
}

func create(t *testing.T, id, p string) *Manager {
	t.Helper()
	m, err := New(id, p, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	return m
}

// startSleep starts a long sleep, killed and reaped when the test ends.
func startSleep(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/bin/busybox", "sleep", "1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// waitSignaled waits for cmd and checks that sig ended it.
func waitSignaled(t *testing.T, cmd *exec.Cmd, sig syscall.Signal) {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("%v: %v, want death by %v", cmd.Args, err, sig)
	}
	ws := ee.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != sig {
		t.Fatalf("%v: %v, want death by %v", cmd.Args, ws, sig)
	}
}

// cgroupOf returns process pid's cgroup path in every hierarchy line of
// /proc/<pid>/cgroup, keyed like Hierarchy.Key.
func cgroupOf(t *testing.T, pid int) map[string]string {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ms, err := parseProcCgroup(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range ms {
		k := "unified"
		if !m.v2 {
			k = strings.Join(m.controllers, ",")
		}
		out[k] = m.path
	}
	return out
}
