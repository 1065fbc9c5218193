package integration

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The capability and procfs breakouts of issue 8 (audit E2, CVE-2025-52881
// class): a bundle that feeds the runtime a fake /proc file, or binds a
// host file over a real one, must neither widen the container's
// capabilities nor have the runtime write the host file.

// capsScript prints the capability sets, then tries a mount that needs
// CAP_SYS_ADMIN; $1 is a procfs to read the status from.
const capsScript = `grep -E '^Cap(Bnd|Prm|Eff):' "$1"/self/status
if mount -t tmpfs tmpfs /tmp 2>/dev/null; then echo mount=allowed; else echo mount=refused; fi`

// specBounding is the default spec's bounding set, which a root process
// without no_new_privs gets whole as permitted and effective at execve.
var specBounding = capMask(defaultCaps...)

// withoutMount drops the spec's mounts at dst.
func withoutMount(b *bundle, dst string) {
	b.spec.Mounts = slices.DeleteFunc(b.spec.Mounts, func(m specs.Mount) bool { return m.Destination == dst })
}

// hostFile writes content to a new file in the host scratch directory.
func hostFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// imageFile writes content to rel in the image, making its directories.
func imageFile(t *testing.T, b *bundle, rel, content string) {
	t.Helper()
	p := filepath.Join(b.rootfs, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkCaps checks what capsScript printed: the three sets exactly the
// spec's bounding set, and the mount refused.
func checkCaps(t *testing.T, stdout string) {
	t.Helper()
	for _, key := range []string{"CapBnd", "CapPrm", "CapEff"} {
		if got := statusLine(t, stdout, key); got != specBounding {
			t.Errorf("%s = %s, want the spec's %s", key, got, specBounding)
		}
	}
	if !strings.Contains(stdout, "mount=refused") {
		t.Errorf("mount -t tmpfs in the container: %q, want it refused", stdout)
	}
}

// TestBreakoutCapLastCap is audit E2: the runtime once took the kernel's
// last capability from /proc/sys/kernel/cap_last_cap after pivot_root,
// so a fake one saying 1 left every capability above 1 in the bounding
// set, and root without no_new_privs got them all (SYS_ADMIN, SYS_MODULE)
// at execve. Each case must give exactly the spec's sets, or be refused.
func TestBreakoutCapLastCap(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(t *testing.T, b *bundle, host string) []string // host files to watch
		proc  string                                              // where the container reads status
	}{{
		// (a) No procfs at /proc: the image's own directory tree, with
		// cap_last_cap a plain file holding 1. A procfs mounted at /p
		// lets the container report its sets.
		name: "image-file",
		proc: "/p",
		setup: func(t *testing.T, b *bundle, _ string) []string {
			withoutMount(b, "/proc")
			b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/p", Type: "proc", Source: "proc"})
			imageFile(t, b, "proc/sys/kernel/cap_last_cap", "1\n")
			return nil
		},
	}, {
		// (a) again with no procfs anywhere: only the mount shows the
		// capabilities, so the script's grep fails and is ignored.
		name: "image-file-no-procfs",
		setup: func(t *testing.T, b *bundle, _ string) []string {
			withoutMount(b, "/proc")
			imageFile(t, b, "proc/sys/kernel/cap_last_cap", "1\n")
			return nil
		},
	}, {
		// (b) The image links /etc/hostname to cap_last_cap and the spec
		// binds a host file holding 1 there, as engines bind hostname
		// files: the bind lands on the procfs file. runc refuses this
		// spec; ocikit may refuse it at create too.
		name: "hostname-bind",
		proc: "/proc",
		setup: func(t *testing.T, b *bundle, host string) []string {
			src := hostFile(t, host, "hostname", "1\n")
			if err := os.Remove(filepath.Join(b.rootfs, "etc/hostname")); err != nil && !absent(err) {
				t.Fatal(err)
			}
			if err := os.Symlink("/proc/sys/kernel/cap_last_cap", filepath.Join(b.rootfs, "etc/hostname")); err != nil {
				t.Fatal(err)
			}
			b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/etc/hostname", Type: "bind", Source: src, Options: []string{"bind", "ro"}})
			return []string{src}
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			host, target := hostScratch(t, r)
			b := r.bundle(append(sh(capsScript), "caps", c.proc)...)
			b.spec.Process.NoNewPrivileges = false
			b.spec.Root.Readonly = false
			watch := append(c.setup(t, b, host), target, "/proc/sys/kernel/cap_last_cap")
			w := watchHost(t, r, watch, []string{host})
			res := hostileRun(t, r, b)
			w.check()
			if res.code != 0 {
				// Only a spec that reaches into /proc may be refused.
				if c.name != "hostname-bind" {
					t.Fatalf("oci-run: %s", res)
				}
				return
			}
			if c.proc == "" {
				if !strings.Contains(res.stdout, "mount=refused") {
					t.Errorf("mount -t tmpfs in the container: %q, want it refused", res.stdout)
				}
				return
			}
			checkCaps(t, res.stdout)
		})
	}
}

// hostileRun runs the bundle with oci-run, checks nothing of the
// container is left, and checks a refusal is one error line naming the
// container.
func hostileRun(t *testing.T, r *rt, b *bundle) result {
	t.Helper()
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	id := r.id("hostile")
	res := r.exec(runOpts{}, "oci-run", "--root", r.root, "--bundle", b.dir, id)
	assertClean(t, r.root, id)
	t.Logf("oci-run: %s", res)
	if res.code != 0 {
		errLine(t, res, "oci-run", id)
	}
	return res
}

// TestBreakoutProcfsWrites is the write half of CVE-2025-52881: a host
// file is bound over the procfs file the runtime writes after pivot_root
// (a sysctl, oom_score_adj). The runtime reaches those files through a
// verified procfs handle that crosses no mount, so the write goes to the
// kernel's file or the create is refused; the host file keeps its bytes
// either way.
//
// The bind comes from a spec mount, which the rootfs check may refuse at
// create, or from a createContainer hook, run in the container's mount
// namespace once its mounts are made: that one the runtime cannot refuse,
// so it shows the writer's own defence.
func TestBreakoutProcfsWrites(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		dst    string // the overmounted procfs file
		setup  func(b *bundle)
		script string
		want   string // what the script prints when the container runs
	}{{
		// ip_forward's handler sets conf/all/forwarding as well: that
		// file, not covered, shows the value reached the kernel.
		name:   "sysctl",
		dst:    "/proc/sys/net/ipv4/ip_forward",
		setup:  func(b *bundle) { b.spec.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"} },
		script: "cat /proc/sys/net/ipv4/conf/all/forwarding /proc/sys/net/ipv4/ip_forward",
		want:   "1 0",
	}, {
		// The init is pid 1 of its pid namespace when the mounts are
		// made; the bind covers its /proc/self/oom_score_adj, while
		// task/1 reaches the kernel's file.
		name: "oom-score-adj",
		dst:  "/proc/1/oom_score_adj",
		setup: func(b *bundle) {
			adj := 500 // raising needs no CAP_SYS_RESOURCE
			b.spec.Process.OOMScoreAdj = &adj
		},
		script: "cat /proc/1/task/1/oom_score_adj /proc/1/oom_score_adj",
		want:   "500 0",
	}}
	for _, c := range cases {
		for _, via := range []string{"spec-mount", "hook-bind"} {
			t.Run(c.name+"/"+via, func(t *testing.T) {
				t.Parallel()
				r := newRT(t)
				host, _ := hostScratch(t, r)
				src := hostFile(t, host, "procfile", "0\n")
				b := r.bundle(sh(c.script)...)
				c.setup(b)
				if via == "spec-mount" {
					b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: c.dst, Type: "bind", Source: src, Options: []string{"bind"}})
				} else {
					bind := "mount --bind " + src + " " + filepath.Join(b.rootfs, c.dst)
					b.spec.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/busybox", Args: []string{"sh", "-c", bind}}}}
				}
				w := watchHost(t, r, []string{src}, []string{host})
				res := hostileRun(t, r, b)
				w.check()
				if res.code != 0 && via == "hook-bind" {
					t.Fatalf("a bind the runtime did not make failed the create: %s", res)
				}
				if got := strings.Join(strings.Fields(res.stdout), " "); res.code == 0 && got != c.want {
					t.Errorf("the container reads %q, want %q", got, c.want)
				}
			})
		}
	}
}
