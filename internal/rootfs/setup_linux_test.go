package rootfs

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// defaultChecks are the checks every default-spec container passes.
var defaultChecks = []string{"mounts", "devices", "devlinks", "masked", "readonly", "rootro", "sysro", "cgroupro", "nohost", "exec"}

// hostCgroups describes the host's hierarchies for the "cgroups" check
// argument: name=fstype, comma-separated.
func hostCgroups(t *testing.T) string {
	t.Helper()
	hs, err := cgroups.Hierarchies()
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) == 1 && hs[0].Version == 2 {
		return "=cgroup2"
	}
	var parts []string
	for _, h := range hs {
		fstype := "cgroup"
		if h.Version == 2 {
			fstype = "cgroup2"
		}
		parts = append(parts, path.Base(h.Mountpoint)+"="+fstype)
	}
	return strings.Join(parts, ",")
}

// stDev returns the device number of the filesystem p is on, as text.
func stDev(t *testing.T, p string) string {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(st.Dev)
}

// withoutMount drops the spec's mounts at dest and below.
func (sc *scenario) withoutMount(dest string) *scenario {
	var keep []specs.Mount
	for _, m := range sc.Spec.Mounts {
		if !within(m.Destination, dest) {
			keep = append(keep, m)
		}
	}
	sc.Spec.Mounts = keep
	return sc
}

func (sc *scenario) addMount(m specs.Mount) *scenario {
	sc.Spec.Mounts = append(sc.Spec.Mounts, m)
	return sc
}

func TestDefaultSpec(t *testing.T) {
	sc := newScenario(t)
	sc.Args["cgroups"] = hostCgroups(t)
	sc.Checks = defaultChecks
	sc.run(t).mustSucceed(t, sc.Checks)
}

func TestDefaultSpecUserNS(t *testing.T) {
	sc := newScenario(t).withUserNS()
	sc.Args["cgroups"] = hostCgroups(t)
	sc.Args["st_dev"] = "/sys!=" + stDev(t, "/sys")
	sc.Checks = append(defaultChecks, "args-st_dev")
	sc.run(t).mustSucceed(t, sc.Checks)
}

// Without a network namespace of its own, a user namespace may not mount
// sysfs: the host's is bound, read-only all the way down.
func TestSysfsFallbackUserNS(t *testing.T) {
	sc := newScenario(t).withUserNS()
	sc.Clone &^= unix.CLONE_NEWNET
	sc.Args["cgroups"] = hostCgroups(t)
	sc.Args["st_dev"] = "/sys=" + stDev(t, "/sys")
	sc.Checks = []string{"mounts", "sysro", "cgroupro", "masked", "args-st_dev"}
	sc.run(t).mustSucceed(t, sc.Checks)
}

// On a host whose mounts are shared (stood for by a first child), nothing
// the container mounts propagates back.
func TestSharedHost(t *testing.T) {
	for _, userns := range []bool{false, true} {
		t.Run(fmt.Sprintf("userns=%v", userns), func(t *testing.T) {
			sc := newScenario(t)
			sc.Prepare = []string{"rshared"}
			sc.Stage2Clone = baseClone
			if userns {
				sc.UserNS = true
				sc.Stage2Clone |= unix.CLONE_NEWUSER
			}
			sc.Args["cgroups"] = hostCgroups(t)
			sc.Checks = []string{"stage1-mounts", "mounts", "devices", "nohost"}
			sc.run(t).mustSucceed(t, sc.Checks)
		})
	}
}

func TestNoPivot(t *testing.T) {
	sc := newScenario(t)
	sc.NoPivot = true
	sc.Args["cgroups"] = hostCgroups(t)
	sc.Checks = []string{"mounts", "devices", "devlinks", "masked", "readonly", "rootro", "nohost", "exec"}
	sc.run(t).mustSucceed(t, sc.Checks)
}

func TestConsole(t *testing.T) {
	for _, userns := range []bool{false, true} {
		t.Run(fmt.Sprintf("userns=%v", userns), func(t *testing.T) {
			sc := newScenario(t)
			if userns {
				sc.withUserNS()
			}
			sc.Terminal = true
			sc.Checks = []string{"console", "devlinks"}
			sc.run(t).mustSucceed(t, sc.Checks)
		})
	}
}

func TestConsoleWithoutDevpts(t *testing.T) {
	sc := newScenario(t).withoutMount("/dev/pts")
	sc.Terminal = true
	sc.run(t).mustFail(t, "console", "/dev/pts/ptmx")
}

// A writable root, spec devices, a file bind and a relative destination.
func TestDevicesAndBinds(t *testing.T) {
	sc := newScenario(t)
	sc.Spec.Root.Readonly = false
	src := filepath.Join(filepath.Dir(sc.Rootfs), "hosts")
	if err := os.WriteFile(src, []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	uid, gid := uint32(1000), uint32(1000)
	sc.Spec.Linux.Devices = []specs.LinuxDevice{
		{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229, FileMode: mode(0o600), UID: &uid, GID: &gid},
		{Path: "/dev/null", Type: "c", Major: 1, Minor: 3, FileMode: mode(0o666)},
		{Path: "/dev/fifo", Type: "p", FileMode: mode(0o644)},
	}
	sc.addMount(specs.Mount{Destination: "/etc/hosts", Type: "bind", Source: src, Options: []string{"rbind", "ro"}})
	sc.addMount(specs.Mount{Destination: "mnt/relative", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=1m"}})
	// "remount" entries change what an earlier entry mounted.
	sc.addMount(specs.Mount{Destination: "/mnt/remounted", Type: "tmpfs", Source: "tmpfs"})
	sc.addMount(specs.Mount{Destination: "/mnt/remounted", Type: "tmpfs", Source: "tmpfs", Options: []string{"remount", "ro"}})
	sc.addMount(specs.Mount{Destination: "/mnt/bound", Type: "bind", Source: filepath.Dir(sc.Rootfs), Options: []string{"bind"}})
	sc.addMount(specs.Mount{Destination: "/mnt/bound", Type: "none", Options: []string{"remount", "bind", "ro"}})
	sc.Args["ro"] = "/etc/hosts,/mnt/remounted,/mnt/bound"
	sc.Args["rw"] = "/etc/passwd,/mnt/relative"
	sc.Args["exist"] = "/dev/fuse,/dev/fifo"
	sc.Args["dev"] = "/dev/fuse c 10 229 0600 1000 1000,/dev/fifo p 0 0 0644 0 0"
	sc.Args["mountat"], sc.Args["mountat-type"] = "/mnt/relative", "tmpfs"
	sc.Checks = []string{"devices", "args-dev", "args-ro", "args-rw", "args-exist", "mountat"}
	sc.run(t).mustSucceed(t, sc.Checks)
	// The empty file for the bind was made in the image, not on the host.
	if _, err := os.Stat(filepath.Join(sc.Rootfs, "etc/hosts")); err != nil {
		t.Errorf("bind target: %v", err)
	}
}

// rro, and ro on a recursive bind, reach the mounts below the bind; ro
// on a plain bind, which brings no mount along, only the bind itself.
func TestRecursiveReadOnly(t *testing.T) {
	for _, options := range [][]string{{"rbind", "rro"}, {"rbind", "ro"}, {"bind", "ro"}} {
		t.Run(strings.Join(options, ","), func(t *testing.T) {
			sc := newScenario(t)
			src := filepath.Join(filepath.Dir(sc.Rootfs), "src")
			if err := os.MkdirAll(filepath.Join(src, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			sc.Prepare = []string{"tmpfs:" + filepath.Join(src, "sub")}
			sc.addMount(specs.Mount{Destination: "/mnt/src", Type: "bind", Source: src, Options: options})
			sc.Args["ro"] = "/mnt/src"
			sc.Checks = []string{"args-ro"}
			switch {
			case options[0] == "bind":
				// No submount came along: the image's empty directory.
				sc.Args["exist"] = "/mnt/src/sub"
				sc.Checks = append(sc.Checks, "args-exist")
			default:
				sc.Args["ro"] += ",/mnt/src/sub/marker"
			}
			sc.run(t).mustSucceed(t, sc.Checks)
		})
	}
}

// In a user namespace a bind of a nosuid,nodev,noexec,noatime mount
// keeps those locked flags when remounted read-only; asking to clear one
// fails with a message that says why.
func TestLockedFlagsUserNS(t *testing.T) {
	for _, tc := range []struct {
		name    string
		options []string
		wantErr string
	}{
		{"keep", []string{"bind", "ro"}, ""},
		{"clear", []string{"bind", "ro", "suid"}, "nosuid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := newScenario(t)
			sc.UserNS = true
			sc.Stage2Clone = baseClone | unix.CLONE_NEWUSER
			src := filepath.Join(filepath.Dir(sc.Rootfs), "restricted")
			if err := os.Mkdir(src, 0o755); err != nil {
				t.Fatal(err)
			}
			sc.Prepare = []string{"restricted-tmpfs:" + src}
			sc.addMount(specs.Mount{Destination: "/mnt/locked", Type: "bind", Source: src, Options: tc.options})
			sc.Args["flags-path"], sc.Args["flags"] = "/mnt/locked", "ro,nosuid,nodev,noexec,noatime"
			sc.Args["exist"] = "/mnt/locked/marker"
			sc.Checks = []string{"args-flags", "args-exist"}
			out := sc.run(t)
			if tc.wantErr != "" {
				out.mustFail(t, `mount "/mnt/locked": type bind`, tc.wantErr)
				return
			}
			out.mustSucceed(t, sc.Checks)
		})
	}
}

// A cgroup the runtime made is bound where the spec asks; hierarchies
// without one get the caller's own cgroup, read-only.
func TestCgroupPaths(t *testing.T) {
	requireRoot(t)
	hs, err := cgroups.Hierarchies()
	if err != nil {
		t.Fatal(err)
	}
	var pids *cgroups.Hierarchy
	for i, h := range hs {
		if h.Key() == "pids" {
			pids = &hs[i]
		}
	}
	if pids == nil {
		t.Skip("needs a cgroup v1 pids hierarchy")
	}
	dir := filepath.Join(pids.Mountpoint, fmt.Sprintf("ocikit-rootfs-test-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cannot make a cgroup: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Rmdir(dir); err != nil {
			t.Errorf("remove test cgroup: %v", err)
		}
	})
	for _, userns := range []bool{false, true} {
		t.Run(fmt.Sprintf("userns=%v", userns), func(t *testing.T) {
			sc := newScenario(t)
			if userns {
				sc.withUserNS()
			}
			sc.Clone &^= unix.CLONE_NEWCGROUP
			sc.CgroupNS = false
			sc.CgroupPaths = map[string]string{"pids": dir}
			sc.Args["cgroups"] = hostCgroups(t)
			sc.Args["empty"] = "/sys/fs/cgroup/pids/cgroup.procs"
			sc.Args["self"] = "/sys/fs/cgroup/memory/cgroup.procs"
			sc.Checks = []string{"mounts", "cgroupro", "args-empty", "args-self"}
			sc.run(t).mustSucceed(t, sc.Checks)
		})
	}
}

// Propagation options on a mount and on the root. A shared root needs
// the root filesystem's parent mount made private for pivot_root and
// MS_MOVE to work.
func TestPropagation(t *testing.T) {
	for _, noPivot := range []bool{false, true} {
		t.Run(fmt.Sprintf("nopivot=%v", noPivot), func(t *testing.T) {
			sc := newScenario(t)
			sc.NoPivot = noPivot
			sc.Spec.Linux.RootfsPropagation = "rshared"
			sc.addMount(specs.Mount{Destination: "/mnt/shared", Type: "tmpfs", Source: "tmpfs", Options: []string{"rshared"}})
			sc.Args["shared"] = "/,/mnt/shared"
			sc.Checks = []string{"args-shared", "nohost", "rootro"}
			sc.run(t).mustSucceed(t, sc.Checks)
		})
	}
}
