package integration

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The device cgroup tests open devices inside containers and tell a
// device the cgroup denies (EPERM, "Operation not permitted") from one it
// allows: an allowed device opens, or fails with the driver's own error
// (ENXIO for a number no driver has, or for /dev/tty without a
// controlling terminal).

func devRule(allow bool, typ string, major, minor int64, access string) specs.LinuxDeviceCgroup {
	return specs.LinuxDeviceCgroup{Allow: allow, Type: typ, Major: &major, Minor: &minor, Access: access}
}

// tryOpen is a shell snippet that reads one byte of dev and prints
// "NAME ok" or "NAME: <error>".
func tryOpen(name, dev string) string {
	return `e=$(head -c1 ` + dev + ` 2>&1 >/dev/null) && echo "` + name + ` ok" || echo "` + name + `: $e"` + "\n"
}

func wantLines(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output %q, want %q", out, w)
		}
	}
}

// TestDevicesDefault: the default spec's "deny all" leaves a container
// the devices it needs, and no other.
func TestDevicesDefault(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	addCap(b.spec, "CAP_MKNOD")
	out := r.inside(b, tryOpen("null", "/dev/null")+tryOpen("zero", "/dev/zero")+tryOpen("full", "/dev/full")+
		tryOpen("random", "/dev/random")+tryOpen("urandom", "/dev/urandom")+tryOpen("tty", "/dev/tty")+
		`echo x >/dev/null && echo "write null ok"
		exec 3<>/dev/ptmx && echo "ptmx ok"
		mknod /dev/mem c 1 1 2>&1 || echo "mknod mem refused"
		mknod /dev/sda b 8 0 2>&1 || echo "mknod sda refused"
		`)
	wantLines(t, out, "null ok", "zero ok", "full ok", "random ok", "urandom ok", "write null ok", "ptmx ok",
		"tty: head: /dev/tty: No such device or address", "mknod: /dev/mem: Operation not permitted", "mknod mem refused", "mknod sda refused")
}

// TestDevicesDenyDefault: a spec may take a device every container gets
// away: /dev/zero fails while /dev/null works.
func TestDevicesDenyDefault(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	b.spec.Linux.Resources.Devices = append(b.spec.Linux.Resources.Devices, devRule(false, "c", 1, 5, "rwm"))
	out := r.inside(b, tryOpen("zero", "/dev/zero")+tryOpen("null", "/dev/null")+tryOpen("urandom", "/dev/urandom")+
		`echo x >/dev/zero 2>/dev/null && echo "write zero ok" || echo "write zero refused"`)
	wantLines(t, out, "zero: head: /dev/zero: Operation not permitted", "null ok", "urandom ok", "write zero refused")
}

// TestDevicesMknod: a device the spec allows can be made and opened
// inside (the number has no driver, so an allowed open fails with ENXIO);
// the same device one minor on is refused, even to mknod.
func TestDevicesMknod(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	addCap(b.spec, "CAP_MKNOD")
	b.spec.Linux.Resources.Devices = append(b.spec.Linux.Resources.Devices, devRule(true, "c", 240, 7, "rwm"), devRule(true, "c", 240, 8, "r"))
	out := r.inside(b, `mknod /dev/allowed c 240 7 && echo "mknod allowed ok"
		`+tryOpen("allowed", "/dev/allowed")+`
		mknod /dev/denied c 240 9 2>/dev/null && echo "mknod denied ok" || echo "mknod denied refused"
		mknod /dev/nom c 240 8 2>/dev/null && echo "mknod nom ok" || echo "mknod nom refused"`)
	wantLines(t, out, "mknod allowed ok", "allowed: head: /dev/allowed: No such device or address", "mknod denied refused", "mknod nom refused")
}

// TestDevicesTerminal: a container on a terminal (its own pty, bound on
// /dev/console) can use it under the default rules.
func TestDevicesTerminal(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	b.spec.Process.Terminal = true
	sock, received := consoleReceiver(t, r)
	b.spec.Process.Args = sh(`test -t 0 && echo "stdin tty"; echo hi >/dev/console && echo "console ok"; echo hi >/dev/tty && echo "tty ok"; ls /dev/pts/`)
	res := r.run(b, "--console-socket", sock)
	if res.code != 0 {
		t.Fatalf("oci-run: %s", res)
	}
	wantLines(t, received(), "stdin tty", "console ok", "tty ok")
}

// TestDevicesCgroupList: the container's device rules are in its cgroup,
// and they hold. With the v1 devices controller its devices.list holds
// what the default spec gives plus the spec's rules; on cgroup v2 a
// BPF_CGROUP_DEVICE program is attached to its cgroup. Either way a
// process in the container cannot open the device denied (/dev/zero)
// while the allowed ones open.
func TestDevicesCgroupList(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	b.spec.Linux.Resources.Devices = append(b.spec.Linux.Resources.Devices,
		devRule(true, "c", 10, 229, "rw"), devRule(false, "c", 1, 5, "rwm"))
	id := r.id("devlist")
	st := r.detach(b, id)
	defer r.remove(id)
	if c, ok := findContainerCgroup(t, st.Pid, "devices"); ok {
		lines := strings.Split(c.file(t, "devices.list"), "\n")
		want := []string{"c 10:229 rw", "c 1:3 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm"}
		if !slices.Equal(lines, want) {
			t.Errorf("devices.list %q, want %q", lines, want)
		}
	} else {
		progs := deviceProgs(t, containerCgroup(t, st.Pid, "").dir)
		if len(progs) != 1 {
			t.Errorf("%d device programs attached to the container's cgroup, want 1: %v", len(progs), progs)
		}
	}
	out := r.must("oci-exec", id, "sh", "-c", tryOpen("zero", "/dev/zero")+tryOpen("null", "/dev/null")+tryOpen("urandom", "/dev/urandom")+
		`echo x >/dev/zero 2>/dev/null && echo "write zero ok" || echo "write zero refused"`)
	wantLines(t, out, "zero: head: /dev/zero: Operation not permitted", "null ok", "urandom ok", "write zero refused")
}

func addCap(s *specs.Spec, c string) {
	caps := s.Process.Capabilities
	caps.Bounding = append(caps.Bounding, c)
	caps.Effective = append(caps.Effective, c)
	caps.Permitted = append(caps.Permitted, c)
}
