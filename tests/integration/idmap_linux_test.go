package integration

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// idmapHostID is where the id-mapped tests map the container's ids.
const idmapHostID = 100000

// kernelIDMaps skips the test unless the kernel can id-map a mount of dir's
// filesystem: Linux 6.1 (the VM guest, whose root is an initramfs) cannot
// id-map a tmpfs, which came in 6.3. The probe is the runtime's own
// sequence on a throwaway user namespace: open_tree, then mount_setattr.
func kernelIDMaps(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command("/bin/busybox", "sleep", "1000")
	m := []syscall.SysProcIDMap{{ContainerID: 0, HostID: idmapHostID, Size: 65536}}
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER, UidMappings: m, GidMappings: m}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start a user namespace: %v", err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/user", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	tree, err := unix.OpenTree(unix.AT_FDCWD, dir, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		t.Fatalf("open_tree %s: %v", dir, err)
	}
	defer unix.Close(tree)
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(ns.Fd())}
	if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		var st unix.Statfs_t
		unix.Statfs(dir, &st)
		if errors.Is(err, unix.EINVAL) {
			t.Skipf("kernel cannot idmap the filesystem of %s (type 0x%x): %v", dir, st.Type, err)
		}
		t.Fatalf("mount_setattr(MOUNT_ATTR_IDMAP) on %s: %v", dir, err)
	}
}

// idmapBundle is a usernsBundle and a root-owned host directory src
// holding a root-owned file f (mode 0644) and a directory sub; it skips
// unless the kernel can id-map src's filesystem.
func idmapBundle(t *testing.T, r *rt) (b *bundle, src string) {
	t.Helper()
	b = usernsBundle(t, r)
	src = r.dir("idmap-src")
	if err := os.WriteFile(filepath.Join(src, "f"), []byte("host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	kernelIDMaps(t, src)
	return b, src
}

// usernsBundle is a bundle whose container has a user namespace mapping
// its ids 0..65535 to idmapHostID.., with the root filesystem given to the
// mapped root.
func usernsBundle(t *testing.T, r *rt) *bundle {
	t.Helper()
	b := r.bundle()
	r.traversable()
	chownTree(t, b.rootfs, idmapHostID, idmapHostID)
	b.spec.Linux.Namespaces = append(b.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	b.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: idmapHostID, Size: 65536}}
	b.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: idmapHostID, Size: 65536}}
	return b
}

// TestIDMapBind: a root-owned host directory bound with "idmap" into a
// user-namespaced container is root's inside (without, it is the
// overflow id), root in the container can write there, and what it
// writes is root's on the host.
func TestIDMapBind(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b, src := idmapBundle(t, r)
	b.spec.Mounts = append(b.spec.Mounts,
		specs.Mount{Destination: "/plain", Type: "bind", Source: src, Options: []string{"rbind"}},
		specs.Mount{Destination: "/idm", Type: "bind", Source: src, Options: []string{"rbind", "idmap"}})
	// The shell's fds: the init inherited the mount tree's descriptor,
	// which the program must not. ls runs in a subshell writing to a
	// file: a pipeline's pipe, or the copy of fd 1 the shell saves around
	// a redirection it applies itself, would be the shell's fds while ls
	// reads them. "; true" keeps sh from exec'ing tr.
	out := r.inside(b, "stat -c %u:%g /plain/f /idm/f /idm; echo made > /idm/new; stat -c %u:%g /idm/new; (ls /proc/$$/fd > /idm/fds); tr '\\n' ' ' < /idm/fds; true")
	want := "65534:65534\n0:0\n0:0\n0:0\n0 1 2 "
	if out != want {
		t.Errorf("owners and fds inside = %q, want %q", out, want)
	}
	st, err := os.Lstat(filepath.Join(src, "new"))
	if err != nil {
		t.Fatal(err)
	}
	if s := st.Sys().(*syscall.Stat_t); s.Uid != 0 || s.Gid != 0 {
		t.Errorf("file written through the id-mapped mount is %d:%d on the host, want 0:0", s.Uid, s.Gid)
	}
}

// TestIDMapRecursive: "ridmap" id-maps the mounts an rbind brings along,
// "idmap" only the top one.
func TestIDMapRecursive(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b, _ := idmapBundle(t, r)
	// The source has a submount: a bind of another root-owned directory.
	// Both live outside the runtime's directory, which assertClean
	// checks for mounts left after each container, and this one stays
	// until the test ends.
	src, other := t.TempDir(), t.TempDir()
	for _, d := range []string{src, other} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "g"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(src, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount(other, sub, "", unix.MS_BIND, ""); err != nil {
		t.Fatalf("bind %s on %s: %v", other, sub, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(sub, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", sub, err)
		}
	})
	b.spec.Mounts = append(b.spec.Mounts,
		specs.Mount{Destination: "/top", Type: "bind", Source: src, Options: []string{"rbind", "idmap"}},
		specs.Mount{Destination: "/all", Type: "bind", Source: src, Options: []string{"rbind", "ridmap"}})
	out := r.inside(b, "stat -c %u /top/f /top/sub/g /all/f /all/sub/g")
	if want := "0\n65534\n0\n0\n"; out != want {
		t.Errorf("owners inside = %q, want %q", out, want)
	}
}

// TestIDMapOwnMappings: a mount's uidMappings and gidMappings, unlike the
// container's, decide how its files' owners are seen: uid 0 on disk maps
// to host uid idmapHostID+1000, which is 1000 in the container; what
// container uid 1000 writes there is uid 0 on disk.
func TestIDMapOwnMappings(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b, src := idmapBundle(t, r)
	if err := os.Chmod(src, 0o777); err != nil {
		t.Fatal(err)
	}
	m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: idmapHostID + 1000, Size: 1}}
	b.spec.Mounts = append(b.spec.Mounts,
		specs.Mount{Destination: "/own", Type: "bind", Source: src, Options: []string{"bind", "idmap"}, UIDMappings: m, GIDMappings: m})
	b.spec.Process.User = specs.User{UID: 1000, GID: 1000}
	out := r.inside(b, "stat -c %u:%g /own/f; echo x > /own/by1000; stat -c %u:%g /own/by1000")
	if want := "1000:1000\n1000:1000\n"; out != want {
		t.Errorf("owners inside = %q, want %q", out, want)
	}
	st, err := os.Lstat(filepath.Join(src, "by1000"))
	if err != nil {
		t.Fatal(err)
	}
	if s := st.Sys().(*syscall.Stat_t); s.Uid != 0 || s.Gid != 0 {
		t.Errorf("file container uid 1000 wrote is %d:%d on the host, want 0:0", s.Uid, s.Gid)
	}
}

// TestIDMapRefused: what cannot be id-mapped is refused at create, naming
// the mount, and leaves nothing behind.
func TestIDMapRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		userns bool
		mount  specs.Mount
		want   string
	}{
		{"no user namespace", false, specs.Mount{Destination: "/m", Type: "bind", Options: []string{"rbind", "idmap"}}, "has none"},
		{"not a bind", true, specs.Mount{Destination: "/m", Type: "tmpfs", Source: "tmpfs", Options: []string{"idmap"}}, "only for bind mounts"},
		{"mappings without option", true, specs.Mount{Destination: "/m", Type: "bind", Options: []string{"rbind"},
			UIDMappings: []specs.LinuxIDMapping{{Size: 1}}, GIDMappings: []specs.LinuxIDMapping{{Size: 1}}}, "need the idmap or ridmap option"},
		{"inline mappings", true, specs.Mount{Destination: "/m", Type: "bind", Options: []string{"rbind", "idmap=uids=0-1-1"}}, "mappings in the option are not supported"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle("true")
			if c.userns {
				// No kernel probe: each is refused before any mapping.
				b = usernsBundle(t, r)
				b.spec.Process.Args = []string{"true"}
			}
			if c.mount.Type == "bind" {
				c.mount.Source = r.dir("src")
			}
			b.spec.Mounts = append(b.spec.Mounts, c.mount)
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			id := r.id("idmap-refused")
			res := r.oci("oci-create", "--bundle", b.dir, id)
			if res.code == 0 || !strings.Contains(res.stderr, c.want) || !strings.Contains(res.stderr, "/m") {
				t.Errorf("oci-create: %s; want a failure naming /m and %q", res, c.want)
			}
			assertClean(t, r.root, id)
		})
	}
}

// TestIDMapRootUnmapped: with the userns annotation, a root filesystem
// the kernel cannot id-map (ramfs has no id mapping at all) is bound
// unmapped with one warning, as docs/userns.md says: the container runs
// and sees the image's files owned by the overflow id.
func TestIDMapRootUnmapped(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	pool := autoPool(t)
	b := r.autoBundle("auto", "sh", "-c", "stat -c %u /bin/busybox")
	if err := unix.Mount("ramfs", b.rootfs, "ramfs", 0, "mode=0755"); err != nil {
		t.Fatalf("mount ramfs on %s: %v", b.rootfs, err)
	}
	mounted := true
	unmount := func() {
		if mounted {
			if err := unix.Unmount(b.rootfs, unix.MNT_DETACH); err != nil {
				t.Errorf("unmount %s: %v", b.rootfs, err)
			}
			mounted = false
		}
	}
	t.Cleanup(unmount)
	if err := makeRootfs(b.rootfs); err != nil {
		t.Fatal(err)
	}
	id := r.id("root-unmapped")
	res := r.exec(pool, "oci-run", "--root", r.root, "--bundle", b.dir, id)
	if res.code != 0 || res.stdout != "65534\n" {
		t.Errorf("oci-run: %s; want busybox owned by 65534 inside", res)
	}
	if n := strings.Count(res.stderr, "root filesystem not id-mapped"); n != 1 {
		t.Errorf("stderr %q: want one warning that the root filesystem is not id-mapped", res.stderr)
	}
	unmount()
	assertClean(t, r.root, id)
}
