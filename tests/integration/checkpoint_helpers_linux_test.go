package integration

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/criu"
)

// The harness builds (or finds in OCIKIT_BIN) the checkpoint tools too.
func init() { tools = append(tools, "oci-checkpoint", "oci-restore") }

// criuFailed fails the test with a tool's result and the end of criu's
// log, which in the guest is the only place the reason can be read.
func criuFailed(t *testing.T, what string, res result, log string) {
	t.Helper()
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatalf("%s: %s (criu log: %v)", what, res, err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var picked []string
	for _, l := range lines {
		if strings.Contains(l, "Error") || strings.Contains(l, "Warn") {
			picked = append(picked, l)
		}
	}
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	t.Fatalf("%s: %s\ncriu's errors and warnings:\n%s\nend of %s:\n%s", what, res,
		strings.Join(picked, "\n"), log, strings.Join(lines, "\n"))
}

// criuReason returns why criu cannot work here ("" when `criu check`
// passes): its first error line, or that it is not installed.
func criuReason(t *testing.T) string {
	t.Helper()
	bin, err := criu.Find("")
	if err != nil {
		return err.Error()
	}
	if err := criu.Check(bin); err != nil {
		return err.Error()
	}
	return ""
}

// needCRIU skips a test of the round trip where criu cannot work.
func needCRIU(t *testing.T) {
	t.Helper()
	if reason := criuReason(t); reason != "" {
		t.Skip(reason + " (the round trip runs where criu check passes: make vm-test)")
	}
}

// counter counts in /tmp/count, one line every 0.2 s, with its standard
// streams on the container's own /dev/null, so nothing of the test's
// files is in its dump.
const counter = "exec </dev/null >/dev/null 2>&1; i=0; while :; do i=$((i+1)); echo $i >> /tmp/count; sleep 0.2; done"

// counterBundle is a container running counter in its root filesystem,
// with no network namespace (criu would need ip and iptables to save one
// of its own). The init leads a session of its own, which criu needs
// (TestInitSessionLeader).
func counterBundle(r *rt) *bundle {
	b := r.bundle("sh", "-c", counter)
	b.spec.Root.Readonly = false
	if !gnuTar() {
		// criu saves and restores a tmpfs's files with GNU tar's
		// options; where tar is busybox's (the v2 guest, unless it
		// carries GNU tar) the container gets no tmpfs: /dev is made
		// in the root filesystem and the masked paths, some of which
		// are tmpfs, are left out.
		r.t.Log("no GNU tar on PATH: the container has no tmpfs mounts and no masked paths")
		mounts := b.spec.Mounts[:0]
		for _, m := range b.spec.Mounts {
			if m.Type != "tmpfs" {
				mounts = append(mounts, m)
			}
		}
		b.spec.Mounts = mounts
		b.spec.Linux.MaskedPaths = nil
	}
	ns := b.spec.Linux.Namespaces[:0]
	for _, n := range b.spec.Linux.Namespaces {
		if n.Type != "network" {
			ns = append(ns, n)
		}
	}
	b.spec.Linux.Namespaces = ns
	return b
}

// gnuTar reports whether the tar the tools' criu runs (first on the
// harness's PATH) is GNU tar.
func gnuTar() bool {
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/sbin", "/bin"} {
		p := filepath.Join(dir, "tar")
		if !isExecutable(p) {
			continue
		}
		out, _ := exec.Command(p, "--version").Output()
		return strings.Contains(string(out), "GNU tar")
	}
	return false
}

// counted reads the counter's lines and checks they are 1..N with no
// restart and no gap; it returns N.
func counted(t *testing.T, b *bundle) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(b.rootfs, "tmp", "count"))
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	text := strings.TrimSuffix(string(data), "\n")
	if text == "" {
		return 0
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if l == "" && i == len(lines)-1 {
			break // a write in progress
		}
		if n, err := strconv.Atoi(l); err != nil || n != i+1 {
			t.Fatalf("count line %d is %q, want %d: the counter restarted or skipped (%q)", i+1, l, i+1, text)
		}
	}
	return len(lines)
}

// waitCount waits until the counter has passed n.
func waitCount(t *testing.T, b *bundle, n int) int {
	t.Helper()
	var got int
	eventually(t, "the counter to pass "+strconv.Itoa(n), func() bool {
		got = counted(t, b)
		return got > n
	})
	return got
}

// checkRestoredCgroup checks that the restored init is in the cgroup the
// restore made for the container, not in the runtime's.
func checkRestoredCgroup(t *testing.T, r *rt, id string, pid int) {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), id) {
		t.Errorf("the restored init's cgroups do not name the container %s:\n%s", id, data)
	}
}

func readCount(t *testing.T, b *bundle) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(b.rootfs, "tmp", "count"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// startCounter starts a detached counterBundle container and waits for
// its third line, so a checkpoint has a count to carry on from.
func startCounter(t *testing.T, r *rt, name string) (*bundle, string) {
	t.Helper()
	b := counterBundle(r)
	id := r.id(name)
	r.detach(b, id)
	waitCount(t, b, 3)
	return b, id
}
