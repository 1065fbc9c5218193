package rootfs

import (
	"slices"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/cgroups"
	"github.com/ocikit/ocikit/internal/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Unit tests of the pure parts: destinations, devices, mountinfo and
// cgroup path arithmetic.

func TestCleanDest(t *testing.T) {
	for in, want := range map[string]string{
		"/proc": "/proc", "proc": "/proc", "dev/pts/": "/dev/pts", "/a/../b": "/b",
		"../../etc": "/etc", "/x/./y//z": "/x/y/z",
	} {
		if got, err := cleanDest(in); err != nil || got != want {
			t.Errorf("cleanDest(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "/", "..", "/a/.."} {
		if got, err := cleanDest(in); err == nil {
			t.Errorf("cleanDest(%q) = %q, want an error", in, got)
		}
	}
}

func TestMustBeDir(t *testing.T) {
	for _, tc := range []struct {
		dest, fstype string
		want         bool
	}{
		{"/proc", "proc", true}, {"/proc", "bind", true}, {"/sys", "", true}, {"/mnt", "sysfs", true},
		{"/proc/sys", "bind", false}, {"/mnt", "tmpfs", false},
	} {
		if got := mustBeDir(tc.dest, tc.fstype); got != tc.want {
			t.Errorf("mustBeDir(%q, %q) = %v", tc.dest, tc.fstype, got)
		}
	}
}

func TestNeedsDev(t *testing.T) {
	if !needsDev(defaultSpec().Mounts) {
		t.Error("a tmpfs /dev needs devices")
	}
	if !needsDev(nil) {
		t.Error("no /dev mount: devices go in the image's /dev")
	}
	for _, m := range []specs.Mount{
		{Destination: "/dev", Type: "bind", Source: "/dev"},
		{Destination: "dev/", Type: "none", Source: "/dev", Options: []string{"rbind"}},
	} {
		if needsDev([]specs.Mount{m}) {
			t.Errorf("%+v: a bound host /dev needs no devices", m)
		}
	}
}

func TestDevicesMerge(t *testing.T) {
	spec := []specs.LinuxDevice{
		{Path: "/dev/null", Type: "c", Major: 1, Minor: 3, FileMode: mode(0o600)},
		{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229},
	}
	ds := devices(spec)
	var paths []string
	for _, d := range ds {
		paths = append(paths, d.Path)
	}
	want := []string{"/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/null", "/dev/fuse"}
	if !slices.Equal(paths, want) {
		t.Errorf("devices = %v, want %v", paths, want)
	}
	if *ds[5].FileMode != 0o600 {
		t.Errorf("the spec's /dev/null did not replace the default one")
	}
}

func TestDeviceMode(t *testing.T) {
	for _, tc := range []struct {
		typ    string
		ftype  uint32
		hasDev bool
	}{{"c", 0o020000, true}, {"u", 0o020000, true}, {"b", 0o060000, true}, {"p", 0o010000, false}} {
		ft, dev, err := deviceMode(specs.LinuxDevice{Type: tc.typ, Major: 8, Minor: 1})
		if err != nil || ft != tc.ftype || (dev != 0) != tc.hasDev {
			t.Errorf("deviceMode(%s) = %#o, %d, %v", tc.typ, ft, dev, err)
		}
	}
	if _, _, err := deviceMode(specs.LinuxDevice{Type: "x"}); err == nil {
		t.Error("unknown device type accepted")
	}
}

func TestParentMount(t *testing.T) {
	const info = `22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
40 27 0:40 / /var/lib rw,relatime - ext4 /dev/vdb rw
41 40 0:41 / /var/lib/with\040space rw,relatime shared:7 master:3 - tmpfs tmpfs rw
42 27 0:42 / /var/libx rw - tmpfs tmpfs rw
`
	ms, err := mountinfo.Parse(strings.NewReader(info))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, mp string
		shared   bool
	}{
		{"/tmp/x/rootfs", "/", true},
		{"/var/lib/containers/rootfs", "/var/lib", false},
		{"/var/lib", "/var/lib", false},
		{"/var/lib/with space/rootfs", "/var/lib/with space", true},
		{"/var/libx/rootfs", "/var/libx", false},
	} {
		mp, shared := parentMount(ms, tc.path)
		if mp != tc.mp || shared != tc.shared {
			t.Errorf("parentMount(%q) = %q, %v; want %q, %v", tc.path, mp, shared, tc.mp, tc.shared)
		}
	}
}

func TestOwnCgroupDir(t *testing.T) {
	const self = `12:pids:/user.slice/session-1.scope
11:cpu,cpuacct:/user.slice
10:name=systemd:/user.slice/session-1.scope
0::/user.slice/session-1.scope
`
	for _, tc := range []struct {
		h    cgroups.Hierarchy
		want string
	}{
		{cgroups.Hierarchy{Mountpoint: "/sys/fs/cgroup/pids", Root: "/", Version: 1, Controllers: []string{"pids"}}, "/sys/fs/cgroup/pids/user.slice/session-1.scope"},
		// Controller order does not matter.
		{cgroups.Hierarchy{Mountpoint: "/sys/fs/cgroup/cpu,cpuacct", Root: "/", Version: 1, Controllers: []string{"cpuacct", "cpu"}}, "/sys/fs/cgroup/cpu,cpuacct/user.slice"},
		{cgroups.Hierarchy{Mountpoint: "/sys/fs/cgroup/systemd", Root: "/", Version: 1, Controllers: []string{"name=systemd"}}, "/sys/fs/cgroup/systemd/user.slice/session-1.scope"},
		{cgroups.Hierarchy{Mountpoint: "/sys/fs/cgroup", Root: "/", Version: 2}, "/sys/fs/cgroup/user.slice/session-1.scope"},
		// A hierarchy mounted from a subtree (as in a container).
		{cgroups.Hierarchy{Mountpoint: "/sys/fs/cgroup", Root: "/user.slice", Version: 2}, "/sys/fs/cgroup/session-1.scope"},
		{cgroups.Hierarchy{Mountpoint: "/sys/fs/cgroup", Root: "/user.slice/session-1.scope", Version: 2}, "/sys/fs/cgroup"},
	} {
		got, err := ownCgroupDir(tc.h, self)
		if err != nil || got != tc.want {
			t.Errorf("ownCgroupDir(%+v) = %q, %v; want %q", tc.h, got, err, tc.want)
		}
	}
	for _, h := range []cgroups.Hierarchy{
		{Mountpoint: "/sys/fs/cgroup/memory", Root: "/", Version: 1, Controllers: []string{"memory"}},
		// Seen from a cgroup namespace below the mount's root.
		{Mountpoint: "/sys/fs/cgroup", Root: "/../..", Version: 2},
		{Mountpoint: "/sys/fs/cgroup", Root: "/system.slice", Version: 2},
	} {
		if got, err := ownCgroupDir(h, self); err == nil {
			t.Errorf("ownCgroupDir(%+v) = %q, want an error", h, got)
		}
	}
}

func TestCgroupLinks(t *testing.T) {
	hs := []cgroups.Hierarchy{
		{Mountpoint: "/sys/fs/cgroup/cpu,cpuacct", Version: 1, Controllers: []string{"cpu", "cpuacct"}},
		{Mountpoint: "/sys/fs/cgroup/net_cls,net_prio", Version: 1, Controllers: []string{"net_cls", "net_prio"}},
		{Mountpoint: "/sys/fs/cgroup/memory", Version: 1, Controllers: []string{"memory"}},
		{Mountpoint: "/sys/fs/cgroup/systemd", Version: 1, Controllers: []string{"name=systemd"}},
		{Mountpoint: "/sys/fs/cgroup/unified", Version: 2},
	}
	hostLinks := map[string]bool{"/sys/fs/cgroup/cpu": true, "/sys/fs/cgroup/cpuacct": true, "/sys/fs/cgroup/net_cls": true}
	var got []string
	for _, l := range cgroupLinks(hs, func(p string) bool { return hostLinks[p] }) {
		got = append(got, l.name+"->"+l.target)
	}
	want := "cpu->cpu,cpuacct cpuacct->cpu,cpuacct net_cls->net_cls,net_prio"
	if strings.Join(got, " ") != want {
		t.Errorf("cgroupLinks = %v, want %s", got, want)
	}
}
