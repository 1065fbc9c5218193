package rootfs

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Mount destinations that an image symlink sends into the container's
// procfs or sysfs, which are mounted by then (CVE-2019-19921 and
// CVE-2025-52881 class; the overmounted cap_last_cap of the issue 8
// audit, E2(b)). Each is refused with an error that names the spec's
// destination and where it led; the host file the spec binds is
// unchanged, and run checks that the host gained no mount.

// hostFile writes a file beside the root filesystem, standing for a host
// file a spec binds (an engine's hostname or resolv.conf).
func hostFile(t *testing.T, sc *scenario, name, content string) string {
	t.Helper()
	p := filepath.Join(filepath.Dir(sc.Rootfs), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fileHash returns the sha256 of a file's content.
func fileHash(t *testing.T, p string) [32]byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(data)
}

func TestHostileDestinationInProc(t *testing.T) {
	for _, tc := range []struct {
		name  string
		links map[string]string // image symlinks: path in the root -> target
		mount specs.Mount       // Source "host-file" or "host-dir": made by the test
		want  []string
	}{
		{
			name:  "file-bind-onto-cap_last_cap",
			links: map[string]string{"etc/hostname": "/proc/sys/kernel/cap_last_cap"},
			mount: specs.Mount{Destination: "/etc/hostname", Type: "bind", Source: "host-file", Options: []string{"bind"}},
			want:  []string{`mount "/etc/hostname": type bind`, `destination "/etc/hostname" resolves to "/proc/sys/kernel/cap_last_cap" on procfs`},
		},
		{
			name:  "file-bind-onto-oom_score_adj",
			links: map[string]string{"etc/resolv.conf": "../proc/self/oom_score_adj"},
			mount: specs.Mount{Destination: "/etc/resolv.conf", Type: "bind", Source: "host-file", Options: []string{"bind", "ro"}},
			want:  []string{`destination "/etc/resolv.conf" resolves to "/proc/1/oom_score_adj" on procfs`},
		},
		{
			name:  "tmpfs-over-proc-sys-kernel",
			links: map[string]string{"mnt/k": "/proc/sys/kernel"},
			mount: specs.Mount{Destination: "/mnt/k", Type: "tmpfs", Source: "tmpfs"},
			want:  []string{`mount "/mnt/k": type tmpfs`, `resolves to "/proc/sys/kernel" on procfs`},
		},
		{
			name:  "dir-bind-over-proc-sys-net",
			links: map[string]string{"mnt/d": "/mnt/e", "mnt/e": "../proc/sys/net"},
			mount: specs.Mount{Destination: "/mnt/d", Type: "bind", Source: "host-dir", Options: []string{"rbind"}},
			want:  []string{`resolves to "/proc/sys/net" on procfs`},
		},
		{
			name:  "new-file-in-proc",
			links: map[string]string{"mnt/k": "/proc/sys/kernel"},
			mount: specs.Mount{Destination: "/mnt/k/planted", Type: "bind", Source: "host-file", Options: []string{"bind"}},
			want:  []string{`destination "/mnt/k/planted" would be a new file in "/proc/sys/kernel" on procfs`},
		},
		{
			name:  "lxcfs-file-through-symlink",
			links: map[string]string{"etc/meminfo": "/proc/meminfo"},
			mount: specs.Mount{Destination: "/etc/meminfo", Type: "bind", Source: "host-file", Options: []string{"bind"}},
			want:  []string{`resolves to "/proc/meminfo" on procfs`},
		},
		{
			name:  "remount-of-proc",
			links: map[string]string{"mnt/p": "/proc"},
			mount: specs.Mount{Destination: "/mnt/p", Type: "proc", Source: "proc", Options: []string{"remount", "rw"}},
			want:  []string{`mount "/mnt/p": type proc`, `resolves to "/proc" on procfs`},
		},
		{
			name:  "tmpfs-over-sys-kernel",
			links: map[string]string{"mnt/s": "/sys/kernel"},
			mount: specs.Mount{Destination: "/mnt/s", Type: "tmpfs", Source: "tmpfs"},
			want:  []string{`resolves to "/sys/kernel" on sysfs through a symlink`},
		},
		{
			name:  "cgroup-through-symlink",
			links: map[string]string{"mnt/cg": "/sys/fs"},
			mount: specs.Mount{Destination: "/mnt/cg", Type: "cgroup", Source: "cgroup", Options: []string{"ro"}},
			want:  []string{`mount "/mnt/cg": type cgroup`, `resolves to "/sys/fs" on sysfs`},
		},
		{
			// Named by the spec itself, but not a file lxcfs replaces.
			name:  "literal-proc-sys",
			mount: specs.Mount{Destination: "/proc/sys/kernel/hostname", Type: "bind", Source: "host-file", Options: []string{"bind"}},
			want:  []string{`destination "/proc/sys/kernel/hostname" resolves to "/proc/sys/kernel/hostname" on procfs`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := newScenario(t)
			for link, target := range tc.links {
				replaceWithSymlink(t, sc.Rootfs, link, target)
			}
			m := tc.mount
			var src string
			switch m.Source {
			case "host-file":
				src = hostFile(t, sc, "host-file", "1\n")
				m.Source = src
			case "host-dir":
				src = hostDir(t, sc, "host-dir")
				m.Source = src
			}
			var before [32]byte
			if tc.mount.Source == "host-file" {
				before = fileHash(t, src)
			}
			sc.addMount(m)
			sc.run(t).mustFail(t, tc.want...)
			switch tc.mount.Source {
			case "host-file":
				if fileHash(t, src) != before {
					t.Errorf("the host file %s changed", src)
				}
			case "host-dir":
				mustBeEmpty(t, src)
			}
		})
	}
}

// /proc takes a procfs and nothing else: a tmpfs or a bind of an
// ordinary directory there would let whoever fills it answer for the
// kernel.
func TestProcOnlyProcfs(t *testing.T) {
	for _, m := range []specs.Mount{
		{Destination: "/proc", Type: "tmpfs", Source: "tmpfs"},
		{Destination: "/proc", Type: "bind", Source: "host-dir", Options: []string{"rbind"}},
	} {
		t.Run(m.Type, func(t *testing.T) {
			sc := newScenario(t).withoutMount("/proc")
			sc.Spec.Linux.MaskedPaths, sc.Spec.Linux.ReadonlyPaths = nil, nil
			if m.Source == "host-dir" {
				m.Source = hostDir(t, sc, "fake-proc")
			}
			sc.Spec.Mounts = append([]specs.Mount{m}, sc.Spec.Mounts...)
			sc.run(t).mustFail(t, `mount "/proc": type `+map[string]string{"tmpfs": "tmpfs", "bind": "bind"}[m.Type], "only a procfs")
		})
	}
}

// What the spec names itself, with no symlink on the way, is allowed:
// binds over the procfs files lxcfs emulates, and mounts on sysfs
// directories (the default spec's cgroups at /sys/fs/cgroup are one).
func TestProcAndSysAllowedMounts(t *testing.T) {
	sc := newScenario(t)
	meminfo := hostFile(t, sc, "meminfo", "MemTotal: 42 kB\n")
	uptime := hostFile(t, sc, "uptime", "1.00 1.00\n")
	sc.addMount(specs.Mount{Destination: "/proc/meminfo", Type: "bind", Source: meminfo, Options: []string{"bind", "ro"}})
	sc.addMount(specs.Mount{Destination: "/proc/uptime", Type: "bind", Source: uptime, Options: []string{"rbind"}})
	sc.addMount(specs.Mount{Destination: "/sys/kernel/mm", Type: "tmpfs", Source: "tmpfs", Options: []string{"ro"}})
	sc.Args["content"] = "/proc/meminfo=MemTotal: 42 kB\n,/proc/uptime=1.00 1.00\n"
	sc.Args["mountat"], sc.Args["mountat-type"] = "/sys/kernel/mm", "tmpfs"
	sc.Args["cgroups"] = hostCgroups(t)
	sc.Checks = []string{"args-content", "mountat", "mounts"}
	sc.run(t).mustSucceed(t, sc.Checks)
}

// A host /sys bound with "rbind,ro" and no cgroup mount of its own: the
// host's cgroup hierarchies and every other mount below /sys come along,
// and all of them must be read-only, not only the top (R2; the
// writable host cgroups of CVE-2023-25809).
// In a user namespace (the rootless spec's /sys) the mounts below are
// locked, which does not stop them being made read-only.
func TestSysRbindReadOnly(t *testing.T) {
	for _, userNS := range []bool{false, true} {
		t.Run(map[bool]string{false: "host", true: "userns"}[userNS], func(t *testing.T) {
			sc := newScenario(t).withoutMount("/sys")
			if userNS {
				sc.withUserNS()
			}
			sc.addMount(specs.Mount{Destination: "/sys", Type: "none", Source: "/sys", Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"}})
			sc.Args["tree-ro"] = "/sys"
			sc.Checks = []string{"args-tree-ro", "sysro"}
			sc.run(t).mustSucceed(t, sc.Checks)
		})
	}
}

// A read-only path with mounts below it: they are read-only too (R3).
// (The bind of the path onto itself hides the originals, still listed in
// mountinfo: access(2) looks at what the container sees.)
func TestReadonlyPathsRecursive(t *testing.T) {
	sc := newScenario(t)
	sc.Spec.Root.Readonly = false
	sc.addMount(specs.Mount{Destination: "/mnt/a/b", Type: "tmpfs", Source: "tmpfs"})
	sc.addMount(specs.Mount{Destination: "/mnt/a/b/c", Type: "tmpfs", Source: "tmpfs"})
	sc.Spec.Linux.ReadonlyPaths = append(sc.Spec.Linux.ReadonlyPaths, "/mnt/a")
	sc.Args["ro"] = "/mnt/a,/mnt/a/b,/mnt/a/b/c"
	sc.Args["rw"] = "/mnt,/etc/passwd"
	sc.Checks = []string{"args-ro", "args-rw", "readonly"}
	sc.run(t).mustSucceed(t, sc.Checks)
}

// withDevpts is the scenario without the /dev tmpfs, so that the image's
// own /dev is used, with a devpts instance at /dev/pts.
func (sc *scenario) withDevpts() *scenario {
	sc.withoutMount("/dev")
	return sc.addMount(specs.Mount{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"newinstance", "ptmxmode=0666"}})
}

// An image /dev/console that is a symlink, with a terminal
// (CVE-2025-52565): the link is replaced by the pty, never bound through,
// and neither the file it pointed at in the image nor the host file of
// the same path changes.
func TestHostileConsoleSymlink(t *testing.T) {
	for _, tc := range []struct{ name, target string }{
		{"image-file", "/etc/target"},
		{"relative-up", "../../../../../etc/target"},
		{"host-path", "host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := newScenario(t).withDevpts()
			imageFile := filepath.Join(sc.Rootfs, "etc/target")
			if err := os.WriteFile(imageFile, []byte("precious\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			host := hostFile(t, sc, "host-target", "host\n")
			target := tc.target
			if target == "host" {
				target = host
			}
			replaceWithSymlink(t, sc.Rootfs, "dev/console", target)
			imageBefore, hostBefore := fileHash(t, imageFile), fileHash(t, host)
			sc.Terminal = true
			sc.Checks = []string{"console"}
			sc.run(t).mustSucceed(t, sc.Checks)
			if fileHash(t, imageFile) != imageBefore {
				t.Errorf("%s changed", imageFile)
			}
			if fileHash(t, host) != hostBefore {
				t.Errorf("%s changed", host)
			}
		})
	}
}

// An image whose /dev/pts/ptmx is a symlink, with no devpts mounted
// over it: to a ptmx node of its own (which opens the host's devpts
// instance) or to an ordinary file. The console is refused in both
// cases and the file is unchanged.
func TestHostilePtmxSymlink(t *testing.T) {
	for _, tc := range []struct{ name, target, want string }{
		{"host-instance-node", "../host-ptmx", "not devpts"},
		{"file", "/etc/target", "not the device 5:2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := newScenario(t).withoutMount("/dev")
			if err := os.MkdirAll(filepath.Join(sc.Rootfs, "dev/pts"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := unix.Mknod(filepath.Join(sc.Rootfs, "dev/host-ptmx"), unix.S_IFCHR|0o666, int(unix.Mkdev(5, 2))); err != nil {
				t.Fatal(err)
			}
			imageFile := filepath.Join(sc.Rootfs, "etc/target")
			if err := os.WriteFile(imageFile, []byte("precious\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			before := fileHash(t, imageFile)
			replaceWithSymlink(t, sc.Rootfs, "dev/pts/ptmx", tc.target)
			sc.Terminal = true
			sc.run(t).mustFail(t, "console: ", "/dev/pts/ptmx", tc.want)
			if fileHash(t, imageFile) != before {
				t.Errorf("%s changed", imageFile)
			}
		})
	}
}
