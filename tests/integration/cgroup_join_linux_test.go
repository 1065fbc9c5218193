package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The container's processes join their cgroups themselves (the nsenter
// constructor writes "0" to each v1 cgroup's tasks file, clone3 starts
// them in the v2 cgroup). These tests check the outcome from the host:
// the init and exec'd processes are in the container's cgroup in every
// hierarchy, whether or not the container has a cgroup or a user
// namespace, and none of them holds a cgroup file.

// wantCgroups returns what /proc/PID/cgroup must say, as the test process
// reads it, for a process of container id whose spec has no
// linux.cgroupsPath: on every line, this process's cgroup followed by
// "ocikit-ID".
func wantCgroups(t *testing.T, id string) string {
	t.Helper()
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(mustRead(t, "/proc/self/cgroup")), "\n") {
		// "N:controllers:path"; the path may hold colons itself.
		f := strings.SplitN(l, ":", 3)
		if len(f) != 3 {
			t.Fatalf("/proc/self/cgroup line %q", l)
		}
		b.WriteString(f[0] + ":" + f[1] + ":" + filepath.Join(f[2], "ocikit-"+id) + "\n")
	}
	return b.String()
}

// checkCgroups checks that process pid of container id is in the
// container's cgroup in every hierarchy and holds no file of a cgroup
// file system.
func checkCgroups(t *testing.T, what string, pid int, id string) {
	t.Helper()
	p := "/proc/" + strconv.Itoa(pid)
	if got, want := mustRead(t, p+"/cgroup"), wantCgroups(t, id); got != want {
		t.Errorf("cgroups of the %s:\n%swant:\n%s", what, got, want)
	}
	fds, err := readDirNames(p + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		l, err := os.Readlink(filepath.Join(p, "fd", fd))
		if err == nil && strings.HasPrefix(l, "/sys/fs/cgroup") {
			t.Errorf("the %s holds fd %s on %s", what, fd, l)
		}
	}
}

// TestCgroupJoin: after oci-create the waiting init, and a process
// oci-exec started in the created container, are in the container's
// cgroups in every hierarchy (v1 and the unified one); with a cgroup
// namespace both see its root as their cgroup, so the namespace was made
// after the cgroups were joined.
func TestCgroupJoin(t *testing.T) {
	t.Parallel()
	noCgroupNS := func(t *testing.T, r *rt, b *bundle) {
		b.spec.Linux.Namespaces = slices.DeleteFunc(b.spec.Linux.Namespaces, func(n specs.LinuxNamespace) bool {
			return n.Type == specs.CgroupNamespace
		})
	}
	user := func(t *testing.T, r *rt, b *bundle) {
		const hostID = 100000
		r.traversable()
		chownTree(t, b.rootfs, hostID, hostID)
		b.spec.Linux.Namespaces = append(b.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		b.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: hostID, Size: 65536}}
		b.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: hostID, Size: 65536}}
	}
	cases := []struct {
		name     string
		cgroupNS bool
		edit     func(*testing.T, *rt, *bundle)
	}{
		{"cgroupns", true, func(*testing.T, *rt, *bundle) {}},
		{"no-cgroupns", false, noCgroupNS},
		{"userns", true, user},
		{"userns-no-cgroupns", false, func(t *testing.T, r *rt, b *bundle) {
			user(t, r, b)
			noCgroupNS(t, r, b)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle("sleep", "1000")
			c.edit(t, r, b)
			id := r.id("cgjoin-" + c.name)
			st := r.create(b, id)
			checkCgroups(t, "init", st.Pid, id)

			pidFile := filepath.Join(r.dir("pid"), "pid")
			r.must("oci-exec", "--detach", "--pid-file", pidFile, id, "sleep", "999")
			checkCgroups(t, "exec'd process", readPid(t, pidFile), id)

			out := r.must("oci-exec", id, "cat", "/proc/self/cgroup")
			if c.cgroupNS {
				for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
					if !strings.HasSuffix(l, ":/") {
						t.Errorf("in the container's cgroup namespace, an exec'd process is at %q, not its root", l)
					}
				}
			} else if want := wantCgroups(t, id); out != want {
				t.Errorf("cgroups an exec'd process sees:\n%swant:\n%s", out, want)
			}
			r.remove(id)
		})
	}
}

// TestCgroupJoinFails: when the process cannot join a cgroup (a v1 cpuset
// cgroup the user prepared without cpus refuses tasks with ENOSPC),
// oci-create fails naming the cgroup's tasks file, and removes what it
// made: the container's other cgroups, its state, its processes.
func TestCgroupJoinFails(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	rel := fmt.Sprintf("ocikit-prep-%d-%d", os.Getpid(), idSeq.Add(1))
	var cpuset string
	dirs := cgroupDirsFor(t, rel)
	for _, d := range dirs {
		_, errCPUs := os.Stat(filepath.Join(filepath.Dir(d), "cpuset.cpus"))
		_, errTasks := os.Stat(filepath.Join(filepath.Dir(d), "tasks"))
		if errCPUs == nil && errTasks == nil {
			cpuset = d
		}
	}
	if cpuset == "" {
		t.Skip("needs a cgroup v1 cpuset hierarchy")
	}
	if err := os.Mkdir(cpuset, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := unix.Rmdir(cpuset); err != nil {
			t.Errorf("remove the prepared cgroup: %v", err)
		}
	})
	if cpus := strings.TrimSpace(mustRead(t, filepath.Join(cpuset, "cpuset.cpus"))); cpus != "" {
		t.Skipf("a new cpuset cgroup inherits cpus %q here (cgroup.clone_children)", cpus)
	}

	b := r.bundle("sleep", "1000")
	b.spec.Linux.CgroupsPath = rel
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	id := r.id("cgjoin-fails")
	res := r.oci("oci-create", "--bundle", b.dir, id)
	if res.code == 0 {
		t.Fatalf("oci-create into a cpuset without cpus succeeded: %s", res)
	}
	errLine(t, res, "oci-create", id, "join cgroup", filepath.Join(cpuset, "tasks"), "No space left on device")
	for _, d := range dirs {
		if _, err := os.Lstat(d); d != cpuset && !absent(err) {
			t.Errorf("cgroup %s is left (%v)", d, err)
		}
	}
	if procs := strings.TrimSpace(mustRead(t, filepath.Join(cpuset, "cgroup.procs"))); procs != "" {
		t.Errorf("processes left in the prepared cgroup: %s", procs)
	}
	assertClean(t, r.root, id)
}
