package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/spec"
)

// hostWatch records what a hostile bundle might reach on the host, so an
// attack test can show afterwards that nothing of it changed: the sha256
// of target files, every inode below scratch directories, and the host's
// mount table.
type hostWatch struct {
	t      *testing.T
	base   string            // the test's own directory
	hashes map[string]string // file → sha256
	trees  map[string][]string
	mounts []string
}

// watchHost snapshots files, the trees below dirs and the host mounts.
func watchHost(t *testing.T, r *rt, files, dirs []string) *hostWatch {
	t.Helper()
	w := &hostWatch{t: t, base: r.base, hashes: map[string]string{}, trees: map[string][]string{}}
	for _, f := range files {
		w.hashes[f] = fileHash(t, f)
	}
	for _, d := range dirs {
		w.trees[d] = inodeTree(t, d)
	}
	w.mounts = w.hostMountSet()
	return w
}

// check fails the test for every change since watchHost.
func (w *hostWatch) check() {
	w.t.Helper()
	for f, h := range w.hashes {
		if got := fileHash(w.t, f); got != h {
			w.t.Errorf("host file %s changed: sha256 %s, was %s", f, got, h)
		}
	}
	for d, before := range w.trees {
		after := inodeTree(w.t, d)
		for _, e := range after {
			if !slices.Contains(before, e) {
				w.t.Errorf("new inode in host directory %s: %s", d, e)
			}
		}
		for _, e := range before {
			if !slices.Contains(after, e) {
				w.t.Errorf("inode gone from host directory %s: %s", d, e)
			}
		}
	}
	after := w.hostMountSet()
	for _, m := range after {
		if !slices.Contains(w.mounts, m) {
			w.t.Errorf("new mount in the host's mount namespace: %s", m)
		}
	}
	for _, m := range w.mounts {
		if !slices.Contains(after, m) {
			w.t.Errorf("mount gone from the host's mount namespace: %s", m)
		}
	}
}

// hostMountSet lists the host's mounts as "point fstype source", leaving
// out those below the temporary directory that are not this test's:
// other tests running at the same time mount and unmount there.
func (w *hostWatch) hostMountSet() []string {
	tmp := filepath.Clean(os.TempDir()) + "/"
	var set []string
	for _, m := range hostMounts(w.t) {
		if strings.HasPrefix(m.point, tmp) && m.point != w.base && !strings.HasPrefix(m.point, w.base+"/") {
			continue
		}
		set = append(set, fmt.Sprintf("%s %s %s", m.point, m.fstype, m.source))
	}
	slices.Sort(set)
	return set
}

// fileHash is the sha256 of a file's contents, or "absent".
func fileHash(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if absent(err) {
		return "absent"
	}
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// inodeTree lists every entry below dir (dir itself included) with its
// inode number and type, without following symlinks.
func inodeTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		ino := uint64(0)
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			ino = st.Ino
		}
		out = append(out, fmt.Sprintf("%s ino=%d %s", p, ino, info.Mode().Type()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// hostScratch makes a host directory outside every rootfs holding a file
// "target" with a known content, the aim of the hostile symlinks.
func hostScratch(t *testing.T, r *rt) (dir, target string) {
	t.Helper()
	dir = r.dir("host")
	target = filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("host secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, target
}

// replaceLink replaces the rootfs entry rel (a file or an empty directory,
// or nothing) by a symlink to target.
func replaceLink(t *testing.T, rootfs, rel, target string) {
	t.Helper()
	p := filepath.Join(rootfs, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p); err != nil && !absent(err) {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// hostileCase is one hostile bundle: setup edits the rootfs and the spec
// (host is the host scratch directory, target the file in it), script is
// what the container runs, and neutral checks the outcome when oci-run
// succeeded. A refusal must name the container and want.
type hostileCase struct {
	name    string
	setup   func(t *testing.T, b *bundle, host, target string)
	script  string
	want    string // in a refusal's error line
	neutral func(t *testing.T, b *bundle, host, stdout string)
}

// TestBreakoutRootfs runs hostile bundles through oci-run. Each attack is
// refused with an error naming the container and the path, or lands
// inside the container's root; either way the host's target file and
// scratch directory are untouched, no mount is added to or taken from the
// host's table, and nothing of the container is left.
func TestBreakoutRootfs(t *testing.T) {
	t.Parallel()
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			host, target := hostScratch(t, r)
			b := r.bundle(sh(c.script)...)
			c.setup(t, b, host, target)
			w := watchHost(t, r, []string{target, "/proc/sys/kernel/core_pattern"}, []string{host})
			id := r.id("hostile")
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			res := r.exec(runOpts{}, "oci-run", "--root", r.root, "--bundle", b.dir, id)
			assertClean(t, r.root, id)
			w.check()
			t.Logf("oci-run: %s", res)
			switch {
			case res.code != 0 && c.want != "":
				errLine(t, res, "oci-run", id, c.want)
			case res.code != 0:
				t.Fatalf("attack neither refused with a message nor neutralised: %s", res)
			case c.neutral == nil:
				t.Fatalf("attack was not refused: %s", res)
			default:
				c.neutral(t, b, host, res.stdout)
			}
		})
	}
}

// landsInside checks a tmpfs mounted through a symlinked destination:
// the container sees it, and the directory it was made on is in the
// image, at the host path the symlink named.
func landsInside(rel string) func(*testing.T, *bundle, string, string) {
	return func(t *testing.T, b *bundle, host, stdout string) {
		if strings.TrimSpace(stdout) != "tmpfs" {
			t.Errorf("the container sees %q at the destination, want tmpfs", stdout)
		}
		if _, err := os.Lstat(filepath.Join(b.rootfs, host, rel)); err != nil {
			t.Errorf("the mount point is not in the image: %v", err)
		}
	}
}

// mirror makes the host directory's path in the image as well.
func mirror(t *testing.T, b *bundle, host string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(b.rootfs, host), 0o755); err != nil {
		t.Fatal(err)
	}
}

func tmpfsAt(b *bundle, dst string) {
	b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: dst, Type: "tmpfs", Source: "tmpfs"})
}

func hostileCases() []hostileCase {
	noDev := func(b *bundle) {
		b.spec.Mounts = slices.DeleteFunc(b.spec.Mounts, func(m specs.Mount) bool {
			return m.Destination == "/dev" || strings.HasPrefix(m.Destination, "/dev/")
		})
	}
	return []hostileCase{
		{name: "proc-link-in-root", want: "/proc", script: "true",
			setup: func(t *testing.T, b *bundle, _, _ string) {
				// A fake procfs tree the runtime would write its
				// sysctls and labels into.
				if err := os.MkdirAll(filepath.Join(b.rootfs, "fakeproc/sys/kernel"), 0o755); err != nil {
					t.Fatal(err)
				}
				replaceLink(t, b.rootfs, "proc", "/fakeproc")
			}},
		{name: "proc-link-to-host", want: "/proc", script: "true",
			setup: func(t *testing.T, b *bundle, host, _ string) { replaceLink(t, b.rootfs, "proc", host) }},
		{name: "sys-link-to-host", want: "/sys", script: "true",
			setup: func(t *testing.T, b *bundle, host, _ string) { replaceLink(t, b.rootfs, "sys", host) }},
		{name: "dest-escapes-absolute", want: "/mnt/x", script: "stat -f -c %T /mnt/x",
			setup: func(t *testing.T, b *bundle, host, _ string) {
				replaceLink(t, b.rootfs, "mnt", host)
				tmpfsAt(b, "/mnt/x")
			}, neutral: landsInside("x")},
		{name: "dest-escapes-dotdot", want: "/mnt/x", script: "stat -f -c %T /mnt/x",
			setup: func(t *testing.T, b *bundle, host, _ string) {
				replaceLink(t, b.rootfs, "mnt", strings.Repeat("../", 12)+host[1:])
				tmpfsAt(b, "/mnt/x")
			}, neutral: landsInside("x")},
		// The same links when their target also exists in the image:
		// resolved in the root, the mount lands there.
		{name: "dest-escapes-absolute-in-root", want: "/mnt/x", script: "stat -f -c %T /mnt/x",
			setup: func(t *testing.T, b *bundle, host, _ string) {
				mirror(t, b, host)
				replaceLink(t, b.rootfs, "mnt", host)
				tmpfsAt(b, "/mnt/x")
			}, neutral: landsInside("x")},
		{name: "dest-escapes-dotdot-in-root", want: "/mnt/x", script: "stat -f -c %T /mnt/x",
			setup: func(t *testing.T, b *bundle, host, _ string) {
				mirror(t, b, host)
				replaceLink(t, b.rootfs, "mnt", strings.Repeat("../", 12)+host[1:])
				tmpfsAt(b, "/mnt/x")
			}, neutral: landsInside("x")},
		// CVE-2024-45310: creating the missing part of a destination
		// must not follow a dangling link onto the host.
		{name: "dest-dangling-dir", want: "/dang/sub", script: "stat -f -c %T /dang/sub",
			setup: func(t *testing.T, b *bundle, host, _ string) {
				replaceLink(t, b.rootfs, "dang", filepath.Join(host, "made"))
				tmpfsAt(b, "/dang/sub")
			}, neutral: landsInside("made/sub")},
		{name: "dest-dangling-file", want: "/etc/hosts", script: "cat /etc/hosts",
			setup: func(t *testing.T, b *bundle, host, _ string) {
				src := filepath.Join(b.dir, "hosts")
				if err := os.WriteFile(src, []byte("bound\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				replaceLink(t, b.rootfs, "etc/hosts", filepath.Join(host, "hosts-nowhere"))
				b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/etc/hosts", Type: "bind", Source: src, Options: []string{"bind", "ro"}})
			}, neutral: func(t *testing.T, _ *bundle, _, stdout string) {
				if stdout != "bound\n" {
					t.Errorf("/etc/hosts in the container: %q, want the bound file", stdout)
				}
			}},
		// CVE-2025-31133: masking binds /dev/null over the masked
		// paths; a /dev/null linked to a host file or to a procfs file
		// would expose that file read-write instead.
		{name: "devnull-link-to-host", want: "/dev/null", script: "cat /proc/kcore",
			setup: func(t *testing.T, b *bundle, _, target string) {
				noDev(b)
				replaceLink(t, b.rootfs, "dev/null", target)
			}},
		{name: "devnull-link-to-core-pattern", want: "/dev/null", script: "cat /proc/kcore",
			setup: func(t *testing.T, b *bundle, _, _ string) {
				noDev(b)
				replaceLink(t, b.rootfs, "dev/null", "/proc/sys/kernel/core_pattern")
			}},
		// The mount that swaps /dev/null for another file, as the
		// CVE's race does through a shared mount: masking must see the
		// file is not the 1:3 device and not bind the host file over
		// /proc/kcore.
		{name: "devnull-overmounted", want: "/dev/null", script: "cat /proc/kcore",
			setup: func(t *testing.T, b *bundle, _, target string) {
				b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: "/dev/null", Type: "bind", Source: target, Options: []string{"bind", "rw"}})
			}},
	}
}

// TestBreakoutCwdFd sets the working directory to /proc/self/fd/N, where
// a runtime that leaks a descriptor of a host directory (CVE-2024-21626)
// would start the process outside the root: at create through
// process.cwd and at oci-exec --cwd. Every N from 3 to 10 is refused, or
// the process's directory is inside the root.
func TestBreakoutCwdFd(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	w := watchHost(t, r, nil, nil)
	// What a process whose cwd escaped would see: getcwd fails or
	// names a host path, and ../../.. reaches the host's root.
	const probe = "pwd; ls -d ../../../../../..$(readlink -f /proc/self/cwd)/bin/busybox"
	inRoot := func(t *testing.T, res result) {
		t.Helper()
		if strings.Contains(res.stdout, "unreachable") || !strings.HasPrefix(res.stdout, "/") {
			t.Errorf("the process runs outside the root: %s", res)
		}
	}
	for n := 3; n <= 10; n++ {
		cwd := fmt.Sprintf("/proc/self/fd/%d", n)
		t.Run("create-"+cwd[len("/proc/self/"):], func(t *testing.T) {
			b := r.bundle(sh(probe)...)
			b.spec.Process.Cwd = cwd
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			id := r.id("cwd")
			res := r.exec(runOpts{}, "oci-run", "--root", r.root, "--bundle", b.dir, id)
			assertClean(t, r.root, id)
			if res.code == 0 {
				inRoot(t, res)
				return
			}
			errLine(t, res, "oci-run", id, cwd)
		})
	}
	id, _ := r.started(r.bundle("sleep", "1000"), "cwd-exec")
	for n := 3; n <= 10; n++ {
		cwd := fmt.Sprintf("/proc/self/fd/%d", n)
		res := r.oci("oci-exec", "--cwd", cwd, id, "sh", "-c", probe)
		if res.code == 0 {
			inRoot(t, res)
			continue
		}
		errLine(t, res, "oci-exec", id, cwd)
	}
	r.remove(id)
	w.check()
}

// cgroupProbe tries to make a directory in every cgroup directory the
// container sees (each /sys/fs/cgroup mount and the container's own
// cgroup in it) and prints WROTE for each that let it; a successful
// probe removes its directory at once.
const cgroupProbe = `cat /proc/self/mountinfo; echo ---
for m in /sys/fs/cgroup $(awk '$5 ~ "^/sys/fs/cgroup/" {print $5}' /proc/self/mountinfo); do
	set -- "$@" $m
	for p in $(cut -d: -f3 /proc/self/cgroup); do test -d $m$p && set -- "$@" $m$p; done
done
for d in "$@"; do
	if mkdir $d/ocikit-probe 2>/dev/null; then echo "WROTE $d"; rmdir $d/ocikit-probe; fi
done; echo "probed $#"`

// TestBreakoutCgroupReadonly runs containers without a cgroup namespace
// (CVE-2023-25809: /sys/fs/cgroup writable gave a rootless container the
// host's cgroups): every cgroup directory it sees refuses a new cgroup,
// and with the default spec every cgroup mount is read-only.
func TestBreakoutCgroupReadonly(t *testing.T) {
	t.Parallel()
	for _, rootless := range []bool{false, true} {
		name := "default"
		if rootless {
			name = "rootless-spec"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle(sh(cgroupProbe)...)
			b.spec.Linux.Namespaces = slices.DeleteFunc(b.spec.Linux.Namespaces, func(ns specs.LinuxNamespace) bool {
				return ns.Type == specs.CgroupNamespace
			})
			if rootless {
				spec.ToRootless(b.spec, 0, 0)
			}
			w := watchHost(t, r, nil, nil)
			res := r.run(b)
			w.check()
			if res.code != 0 {
				t.Fatalf("oci-run: %s", res)
			}
			mi, probes, _ := strings.Cut(res.stdout, "---\n")
			if strings.Contains(probes, "WROTE") || !strings.Contains(probes, "probed ") {
				t.Errorf("the container could write its cgroups: %s", probes)
			}
			for _, m := range parseMountinfo(mi) {
				if m.point != "/sys/fs/cgroup" && !strings.HasPrefix(m.point, "/sys/fs/cgroup/") {
					continue
				}
				// Every layer, including those the rootless spec's
				// recursive bind of the host's /sys stacks under the
				// read-only cgroup mounts: rbind with ro is read-only
				// all the way down.
				if !hasOpt(m.opts, "ro") {
					t.Errorf("%s (%s) is mounted %s", m.point, m.fstype, m.opts)
				}
			}
		})
	}
}
