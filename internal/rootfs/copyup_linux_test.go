package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// describeTree describes every entry below dir (not dir itself), one
// line each, sorted: type and mode, owner, modification time, and the
// contents of files, targets of symlinks, numbers of devices and user.*
// extended attributes. Symlinks are described, never followed. It runs
// on the host and, as a check, inside the container, so that the two
// can be compared as text.
func describeTree(dir string) (string, error) {
	var lines []string
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		line := fmt.Sprintf("%s mode=%o owner=%d:%d mtime=%d", rel, st.Mode, st.Uid, st.Gid, st.Mtim.Nano())
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" data=%q", data)
		case unix.S_IFLNK:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			line += " -> " + target
		case unix.S_IFCHR, unix.S_IFBLK:
			line += fmt.Sprintf(" rdev=%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
		}
		if st.Mode&unix.S_IFMT != unix.S_IFLNK {
			xattrs, err := userXattrs(p)
			if err != nil {
				return err
			}
			line += xattrs
		}
		lines = append(lines, line)
		return nil
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n"), err
}

// userXattrs describes p's user.* extended attributes.
func userXattrs(p string) (string, error) {
	buf := make([]byte, 4096)
	n, err := unix.Llistxattr(p, buf)
	if err != nil {
		return "", err
	}
	var out []string
	for _, name := range strings.Split(string(buf[:n]), "\x00") {
		if !strings.HasPrefix(name, "user.") {
			continue
		}
		val := make([]byte, 4096)
		m, err := unix.Lgetxattr(p, name, val)
		if err != nil {
			return "", err
		}
		out = append(out, fmt.Sprintf(" %s=%q", name, val[:m]))
	}
	sort.Strings(out)
	return strings.Join(out, ""), nil
}

// checkArgsTree checks, inside the container, that Args["tree-path"] is
// a tmpfs whose entries are described by Args["tree"] (describeTree),
// and that it can (Args["tree-writable"] = "true") or cannot be written.
func checkArgsTree(e *checkEnv) error {
	dir := e.sc.Args["tree-path"]
	var sfs unix.Statfs_t
	if err := unix.Statfs(dir, &sfs); err != nil {
		return err
	}
	if sfs.Type != unix.TMPFS_MAGIC {
		return fmt.Errorf("%s is not a tmpfs (statfs type %#x)", dir, sfs.Type)
	}
	got, err := describeTree(dir)
	if err != nil {
		return err
	}
	if want := e.sc.Args["tree"]; got != want {
		// One line: the helper reports a line per check.
		return fmt.Errorf("%s holds %q, want %q", dir, got, want)
	}
	err = os.WriteFile(filepath.Join(dir, "written-in-container"), []byte("x"), 0o644)
	if e.sc.Args["tree-writable"] == "true" {
		return err
	}
	if !errors.Is(err, unix.EROFS) {
		return fmt.Errorf("write in %s: %v, want EROFS", dir, err)
	}
	return nil
}

// checkArgsSymlink checks "path=target": path is a symlink to target.
func checkArgsSymlink(e *checkEnv) error {
	for _, a := range argList(e, "symlink") {
		p, want, _ := strings.Cut(a, "=")
		if got, err := os.Readlink(p); err != nil || got != want {
			return fmt.Errorf("readlink %s = %q, %v; want %q", p, got, err, want)
		}
	}
	return nil
}

// imageTree fills dir, a directory of the image, with one entry of each
// kind tmpcopyup must copy; withDevice adds a character device.
func imageTree(t *testing.T, dir string, withDevice bool) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	stamp := func(name string, sec int64) {
		ts := []unix.Timespec{unix.NsecToTimespec(sec*1e9 + 123456789), unix.NsecToTimespec(sec*1e9 + 987654321)}
		must(unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(dir, name), ts, unix.AT_SYMLINK_NOFOLLOW))
	}
	must(os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "file"), []byte("image data\n"), 0o600))
	must(os.Chown(filepath.Join(dir, "file"), 1000, 1000))
	must(os.Chmod(filepath.Join(dir, "file"), 0o640))
	must(unix.Setxattr(filepath.Join(dir, "file"), "user.origin", []byte("image"), 0))
	must(os.WriteFile(filepath.Join(dir, "sub/setuid"), []byte("#!/bin/sh\n"), 0o755))
	must(os.Chown(filepath.Join(dir, "sub/setuid"), 1000, 1000))
	must(unix.Chmod(filepath.Join(dir, "sub/setuid"), 0o4755)) // os.Chmod drops a raw 04000
	must(os.Symlink("/etc/passwd", filepath.Join(dir, "passwd")))
	must(os.Lchown(filepath.Join(dir, "passwd"), 1000, 1000))
	must(os.Symlink("../../..", filepath.Join(dir, "sub/up")))
	must(unix.Mkfifo(filepath.Join(dir, "fifo"), 0o600))
	must(os.Chmod(filepath.Join(dir, "fifo"), 0o620))
	must(os.Chown(filepath.Join(dir, "fifo"), 1000, 1001))
	if withDevice {
		must(unix.Mknod(filepath.Join(dir, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
		must(os.Chmod(filepath.Join(dir, "null"), 0o666))
		stamp("null", 1_000_000_005)
	}
	must(os.Chmod(filepath.Join(dir, "sub"), 0o750))
	must(os.Chown(filepath.Join(dir, "sub"), 1000, 1000))
	for name, sec := range map[string]int64{"file": 1_000_000_000, "sub/setuid": 1_000_000_001, "passwd": 1_000_000_002, "sub/up": 1_000_000_003, "fifo": 1_000_000_004, "sub": 1_000_000_006} {
		stamp(name, sec)
	}
}

// copyUpScenario is a scenario whose image has imageTree in /run, with a
// tmpfs mounted there with options.
func copyUpScenario(t *testing.T, userns bool, options ...string) (*scenario, string, string) {
	t.Helper()
	sc := newScenario(t)
	if userns {
		sc.withUserNS()
	}
	image := filepath.Join(sc.Rootfs, "run")
	imageTree(t, image, !userns)
	want, err := describeTree(image)
	if err != nil {
		t.Fatal(err)
	}
	sc.addMount(specs.Mount{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: options})
	sc.Args["tree-path"], sc.Args["tree"] = "/run", want
	sc.Checks = []string{"args-tree"}
	return sc, image, want
}

func mustBeUnchanged(t *testing.T, image, want string) {
	t.Helper()
	got, err := describeTree(image)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("the image's directory changed:\n%s\nwas\n%s", got, want)
	}
}

func TestTmpCopyUp(t *testing.T) {
	for _, userns := range []bool{false, true} {
		t.Run(fmt.Sprintf("userns=%v", userns), func(t *testing.T) {
			sc, image, want := copyUpScenario(t, userns, "nosuid", "nodev", "tmpcopyup", "mode=755")
			sc.Args["tree-writable"] = "true"
			sc.run(t).mustSucceed(t, sc.Checks)
			mustBeUnchanged(t, image, want)
		})
	}
}

// A read-only tmpfs is filled before it becomes read-only.
func TestTmpCopyUpReadOnly(t *testing.T) {
	sc, image, want := copyUpScenario(t, false, "tmpcopyup", "ro")
	sc.Args["ro"] = "/run"
	sc.Checks = append(sc.Checks, "args-ro")
	sc.run(t).mustSucceed(t, sc.Checks)
	mustBeUnchanged(t, image, want)
}

// "notmpcopyup" after "tmpcopyup" leaves the tmpfs empty.
func TestNoTmpCopyUp(t *testing.T) {
	sc, _, _ := copyUpScenario(t, false, "tmpcopyup", "notmpcopyup")
	sc.Args["tree"], sc.Args["tree-writable"] = "", "true"
	sc.run(t).mustSucceed(t, sc.Checks)
}

// A device node cannot be made in a user namespace: the copy says so.
func TestTmpCopyUpDeviceUserNS(t *testing.T) {
	sc := newScenario(t).withUserNS()
	dir := filepath.Join(sc.Rootfs, "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(dir, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	sc.addMount(specs.Mount{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: []string{"tmpcopyup"}})
	sc.run(t).mustFail(t, `mount "/run": type tmpfs`, `tmpcopyup: mknod "/run/null"`, "user namespace")
}

// tmpcopyup is for tmpfs only, and not for a remount; copy-symlink is
// for binds only.
func TestExtensionMisused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mount specs.Mount
		want  []string
	}{
		{"bind", specs.Mount{Destination: "/mnt/b", Type: "bind", Source: "/etc", Options: []string{"rbind", "tmpcopyup"}},
			[]string{`mount "/mnt/b": type bind`, `"tmpcopyup" is only for tmpfs`}},
		{"proc", specs.Mount{Destination: "/mnt/p", Type: "proc", Source: "proc", Options: []string{"tmpcopyup"}},
			[]string{`mount "/mnt/p": type proc`, `"tmpcopyup" is only for tmpfs`}},
		{"remount", specs.Mount{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"remount", "tmpcopyup"}},
			[]string{`mount "/dev": type tmpfs`, `"tmpcopyup" cannot be used with "remount"`}},
		{"copy-symlink", specs.Mount{Destination: "/mnt/t", Type: "tmpfs", Source: "tmpfs", Options: []string{"copy-symlink"}},
			[]string{`mount "/mnt/t": type tmpfs`, `"copy-symlink" is only for bind`}},
		{"src-nofollow", specs.Mount{Destination: "/mnt/s", Type: "bind", Source: "/etc", Options: []string{"bind", "src-nofollow"}},
			[]string{`mount "/mnt/s"`, `"src-nofollow"`, "not supported"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := newScenario(t).addMount(tc.mount)
			sc.run(t).mustFail(t, tc.want...)
		})
	}
}

// An image whose /run is a symlink out of the root ("../hostrun", where
// a host directory of that name sits beside the root filesystem) gets
// its tmpfs on the image's own /hostrun, and the copy is of that
// directory: nothing of the host's is copied or changed.
func TestHostileTmpCopyUpSymlink(t *testing.T) {
	sc := newScenario(t)
	host := hostDir(t, sc, "hostrun")
	if err := os.WriteFile(filepath.Join(host, "secret"), []byte("host"), 0o600); err != nil {
		t.Fatal(err)
	}
	inImage := filepath.Join(sc.Rootfs, "hostrun")
	if err := os.Mkdir(inImage, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inImage, "image-file"), []byte("image"), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := describeTree(inImage)
	if err != nil {
		t.Fatal(err)
	}
	replaceWithSymlink(t, sc.Rootfs, "run", "../hostrun")
	sc.addMount(specs.Mount{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: []string{"tmpcopyup"}})
	sc.Args["tree-path"], sc.Args["tree"], sc.Args["tree-writable"] = "/hostrun", want, "true"
	sc.Args["symlink"] = "/run=../hostrun"
	sc.Checks = []string{"args-tree", "args-symlink"}
	sc.run(t).mustSucceed(t, sc.Checks)
	names, err := os.ReadDir(host)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0].Name() != "secret" {
		t.Errorf("host directory holds %v, want only secret", names)
	}
}

// copy-symlink: a bind whose source is a symlink makes the same symlink;
// one whose source is a file is an ordinary bind.
func TestCopySymlink(t *testing.T) {
	sc := newScenario(t)
	dir := filepath.Dir(sc.Rootfs)
	link := filepath.Join(dir, "localtime")
	if err := os.Symlink("../usr/share/zoneinfo/UTC", link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "hostname")
	if err := os.WriteFile(file, []byte("c1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sc.addMount(specs.Mount{Destination: "/etc/localtime", Type: "bind", Source: link, Options: []string{"bind", "copy-symlink", "ro"}})
	sc.addMount(specs.Mount{Destination: "/etc/hostname", Type: "bind", Source: file, Options: []string{"bind", "copy-symlink", "ro"}})
	sc.Args["symlink"] = "/etc/localtime=../usr/share/zoneinfo/UTC"
	sc.Args["ro"] = "/etc/hostname"
	sc.Checks = []string{"args-symlink", "args-ro"}
	sc.run(t).mustSucceed(t, sc.Checks)
	// Made in the image, before the root became read-only.
	if got, err := os.Readlink(filepath.Join(sc.Rootfs, "etc/localtime")); err != nil || got != "../usr/share/zoneinfo/UTC" {
		t.Errorf("image's /etc/localtime: %q, %v", got, err)
	}
}

// A second run on the same root filesystem finds the symlink made by the
// first and accepts it; a different one there is an error.
func TestCopySymlinkExisting(t *testing.T) {
	for _, tc := range []struct{ existing, wantErr string }{
		{"../usr/share/zoneinfo/UTC", ""},
		{"/elsewhere", "already exists"},
	} {
		t.Run(tc.existing, func(t *testing.T) {
			sc := newScenario(t)
			link := filepath.Join(filepath.Dir(sc.Rootfs), "localtime")
			if err := os.Symlink("../usr/share/zoneinfo/UTC", link); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(tc.existing, filepath.Join(sc.Rootfs, "etc/localtime")); err != nil {
				t.Fatal(err)
			}
			sc.addMount(specs.Mount{Destination: "/etc/localtime", Type: "bind", Source: link, Options: []string{"bind", "copy-symlink"}})
			out := sc.run(t)
			if tc.wantErr != "" {
				out.mustFail(t, `mount "/etc/localtime": type bind`, tc.wantErr)
				return
			}
			out.mustSucceed(t, nil)
		})
	}
}
