package integration

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestCgroupOwnership checks runtime-spec 1.3's "cgroup ownership": a
// container with its own user and cgroup namespaces that mounts cgroupfs
// read-write at /sys/fs/cgroup gets its cgroup v2 directory, and the
// files the kernel lists in /sys/kernel/cgroup/delegate, as its own, so
// its root can make a sub-cgroup and move into it (what systemd does at
// boot). Nothing else changes owner: not the other files, not a
// read-only mount's cgroup, not one without a cgroup namespace, and
// nothing where cgroup v1 is in use (this host's hybrid layout), where
// the spec says delegation is unsafe.
func TestCgroupOwnership(t *testing.T) {
	t.Parallel()
	const hostID = delegateHostID
	delegated := pureV2Host()
	ro := func(b *bundle) {
		for i, m := range b.spec.Mounts {
			if m.Destination == "/sys/fs/cgroup" {
				b.spec.Mounts[i].Options = append(m.Options, "ro")
			}
		}
	}
	noCgroupNS := func(b *bundle) {
		b.spec.Linux.Namespaces = slices.DeleteFunc(b.spec.Linux.Namespaces, func(n specs.LinuxNamespace) bool {
			return n.Type == specs.CgroupNamespace
		})
	}
	for _, c := range []struct {
		name  string
		edit  func(*bundle)
		owner int // the cgroup's host owner where delegation applies
	}{
		{"rw", func(*bundle) {}, hostID},
		{"user-1000", func(b *bundle) { b.spec.Process.User = specs.User{UID: 1000, GID: 1000} }, hostID + 1000},
		{"ro-mount", ro, 0},
		{"no-cgroupns", noCgroupNS, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle("sleep", "1000")
			delegable(t, r, b)
			c.edit(b)
			id := r.id("cgowner")
			st := r.create(b, id)
			cg, ok := findContainerCgroup(t, st.Pid, "")
			if !ok {
				t.Skip("no cgroup v2 hierarchy for the container here")
			}
			want := 0
			if delegated {
				want = c.owner
			}
			for _, f := range []string{"", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control"} {
				if got := ownerOf(t, filepath.Join(cg.dir, f)); got != want {
					t.Errorf("%s/%s is owned by %d, want %d", cg.dir, f, got, want)
				}
			}
			// A file off the kernel's list stays root's.
			for _, f := range []string{"cgroup.type", "cgroup.max.depth", "pids.max", "memory.max"} {
				p := filepath.Join(cg.dir, f)
				if _, err := os.Stat(p); err == nil && ownerOf(t, p) != 0 {
					t.Errorf("%s, not in /sys/kernel/cgroup/delegate, changed owner", p)
				}
			}
			// The container's root (or user 1000) makes a sub-cgroup and
			// moves its shell there exactly when the cgroup is its own.
			res := r.oci("oci-exec", id, "sh", "-c", "mkdir /sys/fs/cgroup/sub && echo $$ > /sys/fs/cgroup/sub/cgroup.procs && grep ^0:: /proc/self/cgroup")
			// (On a hybrid host /sys/fs/cgroup is a tmpfs, where the
			// mkdir may work: the kernel's own line tells.)
			moved := res.code == 0 && strings.TrimSpace(res.stdout) == "0::/sub"
			if want != 0 && !moved {
				t.Errorf("in a delegated cgroup: %s, want 0::/sub", res)
			} else if want == 0 && moved {
				t.Errorf("a cgroup not delegated let the container move into a sub-cgroup: %s", res)
			}
			r.must("oci-kill", id, "KILL")
			r.waitStatus(id, "stopped")
			// The sub-cgroup goes with the container's.
			r.must("oci-delete", id)
			if _, err := os.Stat(cg.dir); err == nil {
				t.Errorf("%s is left after delete", cg.dir)
			}
		})
	}
}

// delegateHostID is the host uid and gid of the root of the containers
// that delegable makes.
const delegateHostID = 100000

// delegable makes b a container the runtime gives its cgroup to: a user
// namespace whose root is host id delegateHostID (the rootfs, a
// busybox one, given to it, and the bundle made reachable), a cgroup
// namespace (the default) and cgroupfs mounted read-write.
func delegable(t *testing.T, r *rt, b *bundle) {
	t.Helper()
	r.traversable()
	chownTree(t, b.rootfs, delegateHostID, delegateHostID)
	userNSRW(b)
}

// userNSRW adds the user namespace of delegable, and makes its cgroupfs
// mount read-write, without touching the rootfs.
func userNSRW(b *bundle) {
	b.spec.Linux.Namespaces = append(b.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	b.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: delegateHostID, Size: 65536}}
	b.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: delegateHostID, Size: 65536}}
	for i, m := range b.spec.Mounts {
		if m.Destination == "/sys/fs/cgroup" {
			b.spec.Mounts[i].Options = slices.DeleteFunc(slices.Clone(m.Options), func(o string) bool { return o == "ro" })
		}
	}
}

func ownerOf(t *testing.T, p string) int {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return int(fi.Sys().(*syscall.Stat_t).Uid)
}

// TestExecIntoDelegatedTree: once a container given its cgroup has moved
// its init into a sub-cgroup and enabled a controller for its children,
// as systemd does at boot, the kernel takes no process into the
// container's cgroup itself (EBUSY). oci-exec then puts its process in
// the init's cgroup, as runc and crun do.
func TestExecIntoDelegatedTree(t *testing.T) {
	if !pureV2Host() {
		t.Skip("cgroup delegation is for a pure cgroup v2 host (make vm-test runs this)")
	}
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	delegable(t, r, b)
	id := r.id("cgtree")
	st := r.create(b, id)
	r.must("oci-start", id)
	r.must("oci-exec", id, "sh", "-c", `set -e
mkdir /sys/fs/cgroup/init.scope
echo 1 > /sys/fs/cgroup/init.scope/cgroup.procs
echo $$ > /sys/fs/cgroup/init.scope/cgroup.procs
echo +pids > /sys/fs/cgroup/cgroup.subtree_control`)
	cg, ok := findContainerCgroup(t, st.Pid, "")
	if !ok {
		t.Fatal("no cgroup v2 line for the container's init")
	}
	if !strings.HasSuffix(cg.dir, "/init.scope") {
		t.Fatalf("the init is in %s, not the init.scope it moved to", cg.dir)
	}
	out := r.must("oci-exec", id, "grep", "^0::", "/proc/self/cgroup")
	if strings.TrimSpace(out) != "0::/init.scope" {
		t.Errorf("the exec'd process is in %q, want the init's 0::/init.scope", out)
	}
	r.must("oci-kill", id, "KILL")
	r.waitStatus(id, "stopped")
	r.must("oci-delete", id)
	if _, err := os.Stat(filepath.Dir(cg.dir)); err == nil {
		t.Errorf("%s is left after delete", filepath.Dir(cg.dir))
	}
}
