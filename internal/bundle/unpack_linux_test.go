package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestUnpackBasic(t *testing.T) {
	archive := mkTar(t,
		dir("./", 0o755),
		dir("./bin/", 0o755),
		file("./bin/busybox", "ELF", 0o755),
		symlink("./bin/sh", "busybox"),
		hardlink("./bin/ash", "./bin/busybox"),
		file("etc/hostname", "box\n", 0o644),
		file("deep/implicit/parent/f", "x", 0o600),
	)
	for _, compressed := range []bool{false, true} {
		data := archive
		if compressed {
			data = gz(t, archive)
		}
		_, root, err := unpackTo(t, data, UnpackOptions{})
		if err != nil {
			t.Fatalf("gzip=%v: %v", compressed, err)
		}
		if got := readFile(t, filepath.Join(root, "bin/busybox")); got != "ELF" {
			t.Errorf("busybox = %q", got)
		}
		if l, _ := os.Readlink(filepath.Join(root, "bin/sh")); l != "busybox" {
			t.Errorf("bin/sh -> %q", l)
		}
		var a, b unix.Stat_t
		unix.Lstat(filepath.Join(root, "bin/ash"), &a)
		unix.Lstat(filepath.Join(root, "bin/busybox"), &b)
		if a.Ino != b.Ino || b.Nlink != 2 {
			t.Errorf("hard link: inodes %d %d, nlink %d", a.Ino, b.Ino, b.Nlink)
		}
		if got := readFile(t, filepath.Join(root, "deep/implicit/parent/f")); got != "x" {
			t.Errorf("file under implicit parents = %q", got)
		}
	}
}

func TestUnpackInputErrors(t *testing.T) {
	cases := map[string]string{
		"":                         "empty input",
		"\xfd7zXZ\x00rest":         "xz compression is not supported",
		"\x28\xb5\x2f\xfdrest":     "read zstd archive",
		"BZh91AY&SY":               "bzip2 compression is not supported",
		"\x1f\x8bnot really gzip!": "gzip",
		strings.Repeat("x", 1024):  "read archive",
	}
	for in, want := range cases {
		err := Unpack(context.Background(), t.TempDir(), strings.NewReader(in), UnpackOptions{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("input %.10q: error %v, want %q", in, err, want)
		}
	}
	// A truncated archive fails instead of leaving a short file unnoticed.
	archive := mkTar(t, file("f", strings.Repeat("y", 4096), 0o644))
	err := Unpack(context.Background(), t.TempDir(), bytes.NewReader(archive[:len(archive)/2]), UnpackOptions{})
	if err == nil {
		t.Error("truncated archive accepted")
	}
}

func TestUnpackCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Unpack(ctx, t.TempDir(), bytes.NewReader(mkTar(t, file("f", "x", 0o644))), UnpackOptions{})
	if err == nil {
		t.Error("cancelled unpack succeeded")
	}
}

func TestUnpackMetadata(t *testing.T) {
	dirTime := time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)
	linkTime := time.Date(2005, 5, 5, 5, 5, 5, 0, time.UTC)
	d := dir("ro/", 0o555)
	d.mtime = dirTime
	l := symlink("ro/link", "/nowhere")
	l.mtime = linkTime
	archive := mkTar(t,
		dir("./", 0o711),
		d,
		file("ro/suid", "x", 0o4755),
		file("ro/sgid", "x", 0o2750),
		file("ro/private", "x", 0o400),
		l,
		dir("sticky/", 0o1777),
		dir("closed/", 0o000),
		file("closed/inside", "x", 0o644),
		ent{name: "ro/fifo", typ: tar.TypeFifo, mode: 0o620},
	)
	_, root, err := unpackTo(t, archive, UnpackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	modes := map[string]uint32{
		"":           unix.S_IFDIR | 0o711,
		"ro":         unix.S_IFDIR | 0o555,
		"ro/suid":    unix.S_IFREG | 0o4755,
		"ro/sgid":    unix.S_IFREG | 0o2750,
		"ro/private": unix.S_IFREG | 0o400,
		"ro/fifo":    unix.S_IFIFO | 0o620,
		"sticky":     unix.S_IFDIR | 0o1777,
		"closed":     unix.S_IFDIR | 0o000,
		"ro/link":    unix.S_IFLNK | 0o777,
	}
	if os.Getuid() != 0 {
		// The kernel drops setgid when the caller is not in the group.
		delete(modes, "ro/sgid")
	}
	for rel, want := range modes {
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(root, rel), &st); err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if st.Mode != want {
			t.Errorf("%s: mode %o, want %o", rel, st.Mode, want)
		}
	}
	times := map[string]time.Time{"ro/suid": epoch, "ro": dirTime, "ro/link": linkTime, "": epoch}
	for rel, want := range times {
		var st unix.Stat_t
		unix.Lstat(filepath.Join(root, rel), &st)
		if got := time.Unix(st.Mtim.Unix()); !got.Equal(want) {
			t.Errorf("%s: mtime %v, want %v", rel, got, want)
		}
	}
	if l, _ := os.Readlink(filepath.Join(root, "ro/link")); l != "/nowhere" {
		t.Errorf("ro/link -> %q", l)
	}
}

func TestUnpackXattrs(t *testing.T) {
	probe := filepath.Join(t.TempDir(), "probe")
	os.WriteFile(probe, nil, 0o644)
	if err := unix.Setxattr(probe, "user.probe", []byte("1"), 0); err != nil {
		t.Skipf("filesystem does not support user xattrs: %v", err)
	}
	pax := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m["SCHILY.xattr."+kv[i]] = kv[i+1]
		}
		return m
	}
	f := file("f", "x", 0o644)
	f.pax = pax("user.one", "1", "user.two", "zwei")
	d := dir("d/", 0o755)
	d.pax = pax("user.dir", "yes")
	// Setting a file capability needs CAP_SETFCAP: unprivileged, it is
	// skipped with a warning.
	c := file("cap", "x", 0o755)
	c.pax = pax("security.capability", "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	log, buf := logBuffer()
	_, root, err := unpackTo(t, mkTar(t, f, d, c), UnpackOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	for p, kv := range map[string][2]string{"f": {"user.one", "1"}, "f ": {"user.two", "zwei"}, "d": {"user.dir", "yes"}} {
		val := make([]byte, 64)
		n, err := unix.Getxattr(filepath.Join(root, strings.TrimSpace(p)), kv[0], val)
		if err != nil || string(val[:n]) != kv[1] {
			t.Errorf("%s %s = %q, %v", p, kv[0], val[:max(n, 0)], err)
		}
	}
	if os.Getuid() != 0 && !strings.Contains(buf.String(), "security.capability") {
		t.Errorf("no warning for the skipped capability xattr: %q", buf.String())
	}
}

func TestUnpackDevicesUnprivileged(t *testing.T) {
	log, buf := logBuffer()
	archive := mkTar(t,
		ent{name: "dev/null", typ: tar.TypeChar, mode: 0o666, major: 1, minor: 3},
		ent{name: "dev/zero", typ: tar.TypeChar, mode: 0o666, major: 1, minor: 5},
		ent{name: "dev/loop0", typ: tar.TypeBlock, mode: 0o660, major: 7, minor: 0},
		hardlink("dev/null2", "dev/null"),
		ent{name: "dev/pipe", typ: tar.TypeFifo, mode: 0o600},
	)
	_, root, err := unpackTo(t, archive, UnpackOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"dev/null", "dev/zero", "dev/loop0", "dev/null2"} {
		if _, err := os.Lstat(filepath.Join(root, p)); err == nil {
			t.Errorf("%s created without privileges", p)
		}
	}
	if fi, err := os.Lstat(filepath.Join(root, "dev/pipe")); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("fifo: %v %v", fi, err)
	}
	if n := strings.Count(buf.String(), "skipping device nodes"); n != 1 {
		t.Errorf("%d device warnings, want 1: %s", n, buf.String())
	}
}

func TestUnpackPrivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: chown and mknod")
	}
	f := file("owned", "x", 0o4750)
	f.uid, f.gid = 1234, 5678
	l := symlink("link", "owned")
	l.uid, l.gid = 42, 43
	d := dir("dir/", 0o700)
	d.uid, d.gid = 7, 8
	archive := mkTar(t, f, l, d,
		ent{name: "null", typ: tar.TypeChar, mode: 0o666, major: 1, minor: 3},
		ent{name: "loop", typ: tar.TypeBlock, mode: 0o660, major: 7, minor: 0, gid: 6},
	)
	_, root, err := unpackTo(t, archive, UnpackOptions{Privileged: true})
	if err != nil {
		t.Fatal(err)
	}
	check := func(rel string, uid, gid, mode uint32, rdev uint64) {
		t.Helper()
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(root, rel), &st); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if st.Uid != uid || st.Gid != gid || st.Mode != mode || st.Rdev != rdev {
			t.Errorf("%s: %d:%d mode %o rdev %x; want %d:%d mode %o rdev %x", rel, st.Uid, st.Gid, st.Mode, st.Rdev, uid, gid, mode, rdev)
		}
	}
	// Setuid survives because the mode is applied after chown.
	check("owned", 1234, 5678, unix.S_IFREG|0o4750, 0)
	check("link", 42, 43, unix.S_IFLNK|0o777, 0)
	check("dir", 7, 8, unix.S_IFDIR|0o700, 0)
	check("null", 0, 0, unix.S_IFCHR|0o666, unix.Mkdev(1, 3))
	check("loop", 0, 6, unix.S_IFBLK|0o660, unix.Mkdev(7, 0))
}
