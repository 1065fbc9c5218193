package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemContainerMounts: root in a system container (an automatic
// user namespace, every capability, no masks over /proc and /sys) mounts
// a fresh proc, a sysfs of its own network namespace (loopback only) and
// a tmpfs, whose files it owns. The sysfs is read-only: the kernel lets
// a new sysfs be no more permissive than the one the container sees, and
// the spec's /sys is read-only (mount_too_revealing; the superblock is
// the network namespace's, shared with /sys).
func TestSystemContainerMounts(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	pool := autoPool(t)
	b := r.autoBundle("auto", sh(`set -e
mount -t tmpfs tmpfs /tmp
mkdir /tmp/proc /tmp/sys
mount -t proc proc /tmp/proc
mount -t sysfs -o ro sysfs /tmp/sys
echo proc $(cat /tmp/proc/1/comm)
echo net $(ls /tmp/sys/class/net)
touch /tmp/file
echo tmpfs $(stat -c %u:%g /tmp/file)`)...)
	id := r.id("sysmounts")
	out := r.with(pool, "oci-run", "--bundle", b.dir, id)
	if want := "proc sh\nnet lo\ntmpfs 0:0\n"; out != want {
		t.Errorf("mounts in the system container: %q, want %q", out, want)
	}
	assertClean(t, r.root, id)
}

// TestSystemContainerNested: a container runs inside a system container,
// made by copies of oci-spec and oci-run run there by the system
// container's root. The inner spec has no user namespace of its own (the
// inner root is the outer one, whose capabilities count in the outer user
// namespace); the inner runtime, unable to make cgroups there, goes on
// with one warning. Its program is pid 1 of a pid namespace of its own
// and has the outer block's ids.
func TestSystemContainerNested(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	pool := autoPool(t)
	b := r.autoBundle("auto", sh(`set -e
mount -t tmpfs tmpfs /tmp
mkdir /tmp/inner
oci-spec --bundle /tmp/inner generate
oci-spec --bundle /tmp/inner set root.path /inner process.terminal false \
	process.args '["sh","-c","echo inner $$; cat /proc/self/uid_map"]'
oci-run --root /tmp/state --bundle /tmp/inner nested 2>/tmp/stderr
echo status $?
echo stderr $(cat /tmp/stderr)
ls /tmp/state`)...)
	for _, tool := range []string{"oci-spec", "oci-run"} {
		if err := copyFile(filepath.Join(binDir, tool), filepath.Join(b.rootfs, "bin", tool), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := makeRootfs(filepath.Join(b.rootfs, "inner")); err != nil {
		t.Fatal(err)
	}
	id := r.id("nesting")
	out := r.with(pool, "oci-run", "--bundle", b.dir, id)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{"inner 1", fmt.Sprintf("0 %d 65536", poolStart), "status 0"}
	if len(lines) < 4 {
		t.Fatalf("nested oci-run: %q, want %q, its stderr and an empty state root", out, want)
	}
	for i, w := range want {
		if got := strings.Join(strings.Fields(lines[i]), " "); got != w {
			t.Errorf("nested oci-run, line %d: %q, want %q", i+1, got, w)
		}
	}
	// What the inner runtime may print: its cgroup warnings (no cgroup
	// of its own, so no limits), nothing else.
	for _, msg := range strings.Split(strings.TrimPrefix(lines[3], "stderr"), "time=") {
		if msg = strings.TrimSpace(msg); msg != "" && !strings.Contains(msg, `level=warn msg="cgroups: `) {
			t.Errorf("inner oci-run's stderr: %q", msg)
		}
	}
	if len(lines) != 4 {
		t.Errorf("the inner state root is not empty after the run: %q", lines[4:])
	}
	assertClean(t, r.root, id)
}

// TestSystemContainerSystemd boots Debian's systemd to multi-user.target
// in a system container, from a debootstrap rootfs the test makes. It
// downloads about 100 MB and takes minutes, so it runs only when asked
// (OCIKIT_SYSTEMD=1) and where debootstrap is installed;
// TestSystemContainerNested shows an init running there without either.
func TestSystemContainerSystemd(t *testing.T) {
	if os.Getenv("OCIKIT_SYSTEMD") != "1" {
		t.Skip("set OCIKIT_SYSTEMD=1 to debootstrap Debian (network, minutes) and boot its systemd")
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		t.Skip("needs debootstrap (apt-get install debootstrap) to make the Debian rootfs")
	}
	t.Parallel()
	r := newRT(t)
	pool := autoPool(t)
	b := r.autoBundle("auto", "/sbin/init")
	if err := os.RemoveAll(b.rootfs); err != nil {
		t.Fatal(err)
	}
	boot := exec.Command("debootstrap", "--variant=minbase", "--include=systemd,systemd-sysv", "bookworm", b.rootfs)
	if out, err := boot.CombinedOutput(); err != nil {
		t.Skipf("debootstrap could not make the rootfs (network?): %v: %s", err, lastLines(string(out), 5))
	}
	// systemd wants a writable root, and its container marker to know
	// it must not manage the host's devices; it stops on SIGRTMIN+3.
	r.must("oci-spec", "--bundle", b.dir, "edit", "--env", "container=ocikit")
	r.must("oci-spec", "--bundle", b.dir, "set", "root.readonly", "false")
	id := r.id("systemd")
	st := parseState(t, r.with(pool, "oci-create", "--bundle", b.dir, id))
	r.must("oci-start", id)
	eventually(t, "systemd to reach multi-user.target", func() bool {
		res := r.exec(runOpts{}, "nsenter", "-t", fmt.Sprint(st.Pid), "-a", "systemctl", "is-active", "multi-user.target")
		return strings.TrimSpace(res.stdout) == "active"
	})
	r.must("oci-kill", id, "SIGRTMIN+3")
	r.waitStatus(id, "stopped")
	r.must("oci-delete", id)
	assertClean(t, r.root, id)
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
