package integration

import (
	"fmt"
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
// with warnings. Its program is pid 1 of a pid namespace of its own
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
