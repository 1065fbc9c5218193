package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/caps"
)

// systemdRootfsEnv names a root filesystem with systemd, a tar archive or
// a directory, for TestSystemdBoot: `make vm-test
// VM_SYSTEMD_ROOTFS=FILE.tar` carries the archive into the cgroup v2
// guest and sets it there.
const systemdRootfsEnv = "OCIKIT_SYSTEMD_ROOTFS"

// TestSystemdBoot boots systemd as the init of a user-namespaced system
// container to multi-user.target: its root is host uid 100000, it has
// every capability (of its user namespace), a cgroup namespace, and
// cgroupfs mounted read-write, so the runtime delegates the container's
// cgroup to it (runtime-spec 1.3 cgroup ownership) and systemd makes its
// own sub-cgroups (init.scope, system.slice). The halt signal
// (SIGRTMIN+3) then ends it and delete leaves nothing.
//
// It needs a pure cgroup v2 host (delegation is unsafe where v1 is in
// use, and the spec rules it out) and a root filesystem with systemd,
// e.g. `debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus
// bookworm DIR`, named by OCIKIT_SYSTEMD_ROOTFS.
func TestSystemdBoot(t *testing.T) {
	if !pureV2Host() {
		t.Skip("systemd in a user namespace needs its cgroup delegated, which the spec allows on a pure cgroup v2 host only (make vm-test runs this there)")
	}
	src := os.Getenv(systemdRootfsEnv)
	if src == "" {
		t.Skipf("set %s to a root filesystem with systemd, a tar archive or a directory (make vm-test VM_SYSTEMD_ROOTFS=FILE.tar)", systemdRootfsEnv)
	}
	// Not in parallel: the boot takes about 5 s in the guest alone, and
	// the other tests' load would only stretch it.
	r := newRT(t)
	r.traversable()
	b := r.bundle("/sbin/init")
	if err := os.RemoveAll(b.rootfs); err != nil {
		t.Fatal(err)
	}
	unpackShifted(t, src, b.rootfs, delegateHostID)

	all := caps.Names()
	b.spec.Process.Capabilities = &specs.LinuxCapabilities{Bounding: all, Effective: all, Permitted: all}
	b.spec.Process.NoNewPrivileges = false
	b.spec.Process.Env = append(b.spec.Process.Env, "container=ocikit")
	b.spec.Root.Readonly = false
	b.spec.Linux.MaskedPaths, b.spec.Linux.ReadonlyPaths = nil, nil
	userNSRW(b)
	b.spec.Mounts = append(b.spec.Mounts,
		specs.Mount{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=755"}},
		specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777"}})
	if err := b.write(); err != nil {
		t.Fatal(err)
	}

	id := r.id("systemd")
	out := r.tempFile()
	if code := r.execTo(out, out, "oci-run", "--detach", "--bundle", b.dir, id); code != 0 {
		s, _ := readOutput(out)
		t.Fatalf("oci-run --detach: exit %d:\n%s", code, s)
	}
	defer func() {
		r.must("oci-delete", "--force", id)
		assertClean(t, r.root, id)
	}()

	// TCG emulates the guest's CPU: a boot that takes a second or two on
	// hardware takes tens of seconds there.
	const boot = 3 * time.Minute
	start := time.Now()
	var state string
	var last result
	for deadline := start.Add(boot); time.Now().Before(deadline); time.Sleep(time.Second) {
		last = r.oci("oci-exec", id, "systemctl", "is-system-running")
		state = strings.TrimSpace(last.stdout)
		if state == "running" || state == "degraded" {
			break
		}
	}
	if state != "running" && state != "degraded" {
		console, _ := readOutput(out)
		jobs := r.oci("oci-exec", id, "systemctl", "list-jobs", "--no-pager")
		units := r.oci("oci-exec", id, "systemctl", "list-units", "--no-pager", "--state=activating,failed")
		journal := r.oci("oci-exec", id, "journalctl", "--no-pager", "-n", "60")
		defer t.Logf("journal:\n%s%s", journal.stdout, journal.stderr)
		t.Fatalf("systemd is %q after %v (systemctl: %s); its console:\n%s\njobs:\n%s%s\nunits:\n%s%s", state, time.Since(start).Round(time.Second), last, console,
			jobs.stdout, jobs.stderr, units.stdout, units.stderr)
	}
	t.Logf("systemd %s after %v", state, time.Since(start).Round(time.Second))
	if state == "degraded" {
		t.Logf("failed units:\n%s", r.must("oci-exec", id, "systemctl", "--failed", "--no-legend"))
	}
	if got := strings.TrimSpace(r.must("oci-exec", id, "systemctl", "is-active", "multi-user.target")); got != "active" {
		t.Errorf("multi-user.target is %q, want active", got)
	}
	// systemd moved itself into a cgroup of its own making.
	if got := strings.TrimSpace(r.must("oci-exec", id, "cat", "/proc/1/cgroup")); got != "0::/init.scope" {
		t.Errorf("systemd's cgroup %q, want 0::/init.scope", got)
	}

	r.must("oci-kill", id, "SIGRTMIN+3")
	for deadline := time.Now().Add(2 * time.Minute); r.state(id).Status != "stopped"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("systemd still %s two minutes after SIGRTMIN+3", r.state(id).Status)
		}
	}
}

// unpackShifted copies the root filesystem src (a tar archive or a
// directory) to dst with every owner moved up by shift, as the user
// namespace's map will show them back: what root owns in the image,
// the container's root owns.
func unpackShifted(t *testing.T, src, dst string, shift int) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	var cmd *exec.Cmd
	if fi, err := os.Stat(src); err != nil {
		t.Fatal(err)
	} else if fi.IsDir() {
		cmd = exec.Command("cp", "-a", src+"/.", dst)
	} else {
		cmd = exec.Command("tar", "-C", dst, "--numeric-owner", "-xpf", src)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	err := filepath.Walk(dst, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		if err := os.Lchown(p, int(st.Uid)+shift, int(st.Gid)+shift); err != nil {
			return err
		}
		// chown clears the set-id bits of executables; put them back.
		if fi.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 && fi.Mode()&os.ModeSymlink == 0 {
			return os.Chmod(p, fi.Mode())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
