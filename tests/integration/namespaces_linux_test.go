package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestPidNamespace(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	// "; true" keeps sh from exec'ing ps in its place.
	out := r.inside(b, "echo $$; ps -o pid,comm; true")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 || lines[0] != "1" {
		t.Fatalf("the program is not PID 1: %q", out)
	}
	// Header, sh as 1 and ps: a fresh namespace holds nothing else.
	if len(lines) != 4 || !strings.HasPrefix(strings.TrimSpace(lines[2]), "1 ") {
		t.Errorf("ps in a new pid namespace shows more than sh and ps:\n%s", out)
	}
}

func TestCgroupNamespace(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	out := r.inside(b, "cat /proc/self/cgroup")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 {
		t.Fatal("empty /proc/self/cgroup")
	}
	for _, l := range lines {
		if !strings.HasSuffix(l, ":/") {
			t.Errorf("in a cgroup namespace every cgroup is /: %q", l)
		}
	}
}

// chownTree gives a directory tree to uid:gid, symlinks included.
func chownTree(t *testing.T, dir string, uid, gid int) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestUserNamespace(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	const hostID = 100000
	// The init, mapped to hostID, reaches the rootfs through the test's
	// directories.
	r.traversable()
	chownTree(t, b.rootfs, hostID, hostID)
	b.spec.Linux.Namespaces = append(b.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	b.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: hostID, Size: 65536}}
	b.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: hostID, Size: 65536}}
	out := r.inside(b, "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g")
	f := strings.Fields(out)
	want := []string{"0", "100000", "65536", "0", "100000", "65536", "0", "0"}
	if strings.Join(f, " ") != strings.Join(want, " ") {
		t.Errorf("uid_map, gid_map, id -u, id -g = %q, want %q", f, want)
	}

	// From the host, the container's root is the mapped user.
	b.spec.Process.Args = []string{"sleep", "1000"}
	id := r.id("userns")
	st := r.detach(b, id)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", st.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if got := statusLine(t, string(status), "Uid"); got != "100000\t100000\t100000\t100000" {
		t.Errorf("host view of the container's uid: %q, want 100000", got)
	}
	r.must("oci-delete", "--force", id)
	assertClean(t, r.root, id)
}

func TestTimeNamespace(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	const offset = 1000000 // seconds added to the boot time clock
	b.spec.Linux.Namespaces = append(b.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
	b.spec.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Secs: offset}}
	before := uptime(t, mustRead(t, "/proc/uptime"))
	inside := uptime(t, r.inside(b, "cat /proc/uptime"))
	after := uptime(t, mustRead(t, "/proc/uptime"))
	// The container read its clock between our two readings, shifted by
	// the offset (uptime has two decimals).
	if inside-offset < before-0.01 || inside-offset > after+0.01 {
		t.Errorf("uptime in the container %.2f, want the host's (%.2f..%.2f) + %d", inside, before, after, offset)
	}
}

func uptime(t *testing.T, s string) float64 {
	t.Helper()
	f := strings.Fields(s)
	if len(f) == 0 {
		t.Fatalf("uptime: %q", s)
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		t.Fatalf("uptime %q: %v", s, err)
	}
	return v
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestJoinNamespaces starts container A, then runs container B in A's
// network, uts, ipc and pid namespaces, named by path.
func TestJoinNamespaces(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	a := r.bundle("sleep", "1000")
	a.spec.Hostname = "container-a"
	idA := r.id("ns-a")
	stA := r.detach(a, idA)

	nsPath := func(kind string) string { return fmt.Sprintf("/proc/%d/ns/%s", stA.Pid, kind) }
	b := r.bundle()
	b.spec.Hostname = ""
	b.spec.Linux.Namespaces = []specs.LinuxNamespace{
		{Type: specs.MountNamespace},
		{Type: specs.CgroupNamespace},
		{Type: specs.NetworkNamespace, Path: nsPath("net")},
		{Type: specs.UTSNamespace, Path: nsPath("uts")},
		{Type: specs.IPCNamespace, Path: nsPath("ipc")},
		{Type: specs.PIDNamespace, Path: nsPath("pid")},
	}
	out := r.inside(b, "for n in net uts ipc pid; do readlink /proc/self/ns/$n; done; hostname; echo $$; ps -o pid,args; true")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 6 {
		t.Fatalf("output: %q", out)
	}
	for i, kind := range []string{"net", "uts", "ipc", "pid"} {
		want, err := os.Readlink(nsPath(kind))
		if err != nil {
			t.Fatal(err)
		}
		if lines[i] != want {
			t.Errorf("%s namespace of B = %s, want A's %s", kind, lines[i], want)
		}
	}
	if lines[4] != "container-a" {
		t.Errorf("hostname in B = %q, want A's container-a", lines[4])
	}
	if lines[5] == "1" {
		t.Error("B's program is PID 1: it did not join A's pid namespace")
	}
	if !strings.Contains(out, "sleep 1000") {
		t.Errorf("A's sleep is not visible from B:\n%s", out)
	}
	r.must("oci-delete", "--force", idA)
	assertClean(t, r.root, idA)
}
