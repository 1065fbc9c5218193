package integration

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Mount destinations that the image's symlinks send into the container's
// procfs or sysfs (issue 8 audit E3/G3, the root of E2(b) and of the
// CVE-2025-52881 redirections), and an image /dev that is a symlink
// (CVE-2026-41579). Each bundle goes through oci-create or oci-run and
// must be refused with one error line naming the container, the spec's
// destination and where it led; the host files the spec binds keep their
// sha256, the host scratch directory gains no inode, the host mount
// table is unchanged, and nothing of the container is left.

// mountsCase is one hostile bundle: setup edits the rootfs and spec
// (host is the host scratch directory) and returns host files to watch.
type mountsCase struct {
	name  string
	tool  string // oci-create or oci-run
	setup func(t *testing.T, b *bundle, host string) []string
	want  []string // in the error line
}

// bindHostFile binds a new host file holding "1" at dst.
func bindHostFile(t *testing.T, b *bundle, host, name, dst string) string {
	t.Helper()
	src := filepath.Join(host, name)
	if err := os.WriteFile(src, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: dst, Type: "bind", Source: src, Options: []string{"bind", "ro"}})
	return src
}

func mountsCases() []mountsCase {
	return []mountsCase{{
		// E2(b): a host file bound over cap_last_cap, which the runtime
		// once read to size the bounding set.
		name: "hostname-onto-cap_last_cap",
		tool: "oci-create",
		setup: func(t *testing.T, b *bundle, host string) []string {
			replaceLink(t, b.rootfs, "etc/hostname", "/proc/sys/kernel/cap_last_cap")
			return []string{bindHostFile(t, b, host, "hostname", "/etc/hostname")}
		},
		want: []string{`mount "/etc/hostname"`, `destination "/etc/hostname" resolves to "/proc/sys/kernel/cap_last_cap" on procfs`},
	}, {
		// A host file over the init's oom_score_adj, which the runtime
		// writes after the mounts.
		name: "resolv-onto-oom_score_adj",
		tool: "oci-run",
		setup: func(t *testing.T, b *bundle, host string) []string {
			replaceLink(t, b.rootfs, "etc/resolv.conf", "../proc/self/oom_score_adj")
			return []string{bindHostFile(t, b, host, "resolv.conf", "/etc/resolv.conf")}
		},
		want: []string{`destination "/etc/resolv.conf" resolves to "/proc/1/oom_score_adj" on procfs`},
	}, {
		// A tmpfs over /proc/sys/kernel would hide, and let the
		// container forge, the sysctls the runtime reads and writes.
		name: "tmpfs-over-proc-sys",
		tool: "oci-run",
		setup: func(t *testing.T, b *bundle, _ string) []string {
			replaceLink(t, b.rootfs, "mnt", "/proc/sys")
			b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/mnt/kernel", Type: "tmpfs", Source: "tmpfs"})
			return nil
		},
		want: []string{`mount "/mnt/kernel"`, `resolves to "/proc/sys/kernel" on procfs`},
	}, {
		name: "tmpfs-over-sysfs",
		tool: "oci-run",
		setup: func(t *testing.T, b *bundle, _ string) []string {
			replaceLink(t, b.rootfs, "mnt", "/sys/kernel")
			b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/mnt/mm", Type: "tmpfs", Source: "tmpfs"})
			return nil
		},
		want: []string{`mount "/mnt/mm"`, `resolves to "/sys/kernel/mm" on sysfs through a symlink`},
	}, {
		// CVE-2026-41579, and with G3 the /dev tmpfs over /proc/sys.
		name: "dev-link-to-proc-sys",
		tool: "oci-create",
		setup: func(t *testing.T, b *bundle, _ string) []string {
			replaceLink(t, b.rootfs, "dev", "/proc/sys")
			return nil
		},
		want: []string{`mount "/dev"`, `"/dev" is a symlink in the root filesystem`},
	}, {
		name: "dev-link-to-host",
		tool: "oci-run",
		setup: func(t *testing.T, b *bundle, host string) []string {
			if err := os.MkdirAll(filepath.Join(b.rootfs, host), 0o755); err != nil {
				t.Fatal(err)
			}
			replaceLink(t, b.rootfs, "dev", host)
			return nil
		},
		want: []string{`mount "/dev"`, `"/dev" is a symlink in the root filesystem`},
	}}
}

func TestBreakoutMountDestinations(t *testing.T) {
	t.Parallel()
	for _, c := range mountsCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			host, target := hostScratch(t, r)
			b := r.bundle("true")
			watch := append(c.setup(t, b, host), target, "/proc/sys/kernel/cap_last_cap")
			w := watchHost(t, r, watch, []string{host})
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			id := r.id("mounts")
			res := r.exec(runOpts{}, c.tool, "--root", r.root, "--bundle", b.dir, id)
			assertClean(t, r.root, id)
			w.check()
			t.Logf("%s: %s", c.tool, res)
			if res.code == 0 {
				t.Fatalf("%s accepted the bundle: %s", c.tool, res)
			}
			errLine(t, res, c.tool, id, c.want...)
		})
	}
}

// TestMountsProcSysAllowed runs what the destination check lets through:
// binds over the procfs files lxcfs emulates, named literally, and a
// host /sys bound "rbind,ro" with no cgroup mount of its own, whose host
// cgroup hierarchies and other submounts must all come out read-only
// (audit R2).
func TestMountsProcSysAllowed(t *testing.T) {
	t.Parallel()
	t.Run("lxcfs-files", func(t *testing.T) {
		t.Parallel()
		r := newRT(t)
		b := r.bundle(sh("cat /proc/meminfo /proc/loadavg")...)
		for name, content := range map[string]string{"meminfo": "MemTotal: 42 kB\n", "loadavg": "0.00 0.00 0.00 1/1 1\n"} {
			src := filepath.Join(b.dir, name)
			if err := os.WriteFile(src, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/proc/" + name, Type: "bind", Source: src, Options: []string{"bind", "ro"}})
		}
		if err := b.write(); err != nil {
			t.Fatal(err)
		}
		id := r.id("lxcfs")
		out := r.must("oci-run", "--bundle", b.dir, id)
		assertClean(t, r.root, id)
		if want := "MemTotal: 42 kB\n0.00 0.00 0.00 1/1 1\n"; out != want {
			t.Errorf("the container read %q, want the bound files %q", out, want)
		}
	})
	t.Run("sys-rbind-ro", func(t *testing.T) {
		t.Parallel()
		r := newRT(t)
		// Mount point and per-mount options of every mount in /sys.
		b := r.bundle(sh(`awk '$5 == "/sys" || index($5, "/sys/") == 1 { print $5, $6 }' /proc/self/mountinfo`)...)
		b.spec.Mounts = slices.DeleteFunc(b.spec.Mounts, func(m specs.Mount) bool {
			return m.Destination == "/sys" || strings.HasPrefix(m.Destination, "/sys/")
		})
		b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/sys", Type: "none", Source: "/sys", Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"}})
		if err := b.write(); err != nil {
			t.Fatal(err)
		}
		id := r.id("sysro")
		out := r.must("oci-run", "--bundle", b.dir, id)
		assertClean(t, r.root, id)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		cgroups := 0
		for _, l := range lines {
			point, opts, _ := strings.Cut(l, " ")
			if !slices.Contains(strings.Split(opts, ","), "ro") {
				t.Errorf("%s is writable in the container (%s)", point, opts)
			}
			// A hybrid host's hierarchies below /sys/fs/cgroup, or a
			// pure cgroup v2 host's at it.
			if point == "/sys/fs/cgroup" || strings.HasPrefix(point, "/sys/fs/cgroup/") {
				cgroups++
			}
		}
		if cgroups == 0 {
			t.Errorf("no host cgroup hierarchy came along under /sys:\n%s", out)
		}
	})
}
