package rootfs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// The in-root lookups need no privilege: these tests run as any user, in
// a temporary directory that stands for the root filesystem and a
// sibling that stands for the host.

// lookupTree makes root/ and host/ side by side and returns them with an
// O_PATH descriptor on root, closed at the end of the test.
func lookupTree(t *testing.T) (root, host string, rootFd int) {
	t.Helper()
	dir := t.TempDir()
	root, host = filepath.Join(dir, "root"), filepath.Join(dir, "host")
	for _, d := range []string{root, host, filepath.Join(root, "real"), filepath.Join(root, "etc")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return root, host, fd
}

func mkSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// sameFile fails unless the descriptor fd holds the file at p.
func sameFile(t *testing.T, fd int, p string) {
	t.Helper()
	var a, b unix.Stat_t
	if err := unix.Fstat(fd, &a); err != nil {
		t.Fatal(err)
	}
	if err := unix.Lstat(p, &b); err != nil {
		t.Fatal(err)
	}
	if a.Dev != b.Dev || a.Ino != b.Ino {
		t.Errorf("descriptor is not %s", p)
	}
}

// isOpen reports whether fd is an open descriptor.
func isOpen(fd int) bool {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	return err == nil
}

// Symlinks resolve as if the root were "/": absolute ones, and ".." that
// climbs above it.
func TestOpenInRoot(t *testing.T) {
	root, host, rootFd := lookupTree(t)
	mkSymlink(t, "/real", filepath.Join(root, "abs"))
	mkSymlink(t, "../../../../../etc", filepath.Join(root, "up"))
	mkSymlink(t, host, filepath.Join(root, "hostpath"))
	for _, tc := range []struct{ path, want string }{
		{"/real", "real"},
		{"/abs", "real"},
		{"abs", "real"},
		{"/up", "etc"},
		{"/real/../../..", ""},
	} {
		for name, open := range map[string]func(int, string, int) (int, error){"openat2": openInRoot, "compat": openInRootCompat} {
			fd, err := open(rootFd, tc.path, unix.O_DIRECTORY)
			if err != nil {
				t.Errorf("%s %s: %v", name, tc.path, err)
				continue
			}
			sameFile(t, fd, filepath.Join(root, tc.want))
			unix.Close(fd)
		}
	}
	// The host path the symlink names does not exist in the root.
	if _, err := openInRoot(rootFd, "/hostpath", 0); !errors.Is(err, unix.ENOENT) {
		t.Errorf("symlink to a host directory: %v; want ENOENT", err)
	}
	// O_DIRECTORY insists on a directory.
	if err := os.WriteFile(filepath.Join(root, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func(int, string, int) (int, error){"openat2": openInRoot, "compat": openInRootCompat} {
		if _, err := open(rootFd, "/file", unix.O_DIRECTORY); !errors.Is(err, unix.ENOTDIR) {
			t.Errorf("%s: a file with O_DIRECTORY: %v; want ENOTDIR", name, err)
		}
	}
}

func TestMkdirInRoot(t *testing.T) {
	root, host, rootFd := lookupTree(t)
	mkSymlink(t, "/real", filepath.Join(root, "abs"))
	mkSymlink(t, "../../../../real", filepath.Join(root, "up"))
	mkSymlink(t, host, filepath.Join(root, "hostpath"))
	for _, tc := range []struct{ dir, want string }{
		{"/real", "real"},           // exists
		{"/real/new", "real/new"},   // last component missing
		{"/a/b/c", "a/b/c"},         // several missing
		{"/abs/sub", "real/sub"},    // through an absolute symlink
		{"/up/made", "real/made"},   // through ".." clamped to the root
		{"/abs/x/y", "real/x/y"},    // both
		{"/real/new", "real/new"},   // again
		{"/", ""},                   // the root itself
		{"/real/./dot", "real/dot"}, // as cleaned by the caller
	} {
		fd, err := mkdirInRoot(rootFd, filepath.Clean(tc.dir))
		if err != nil {
			t.Errorf("%s: %v", tc.dir, err)
			continue
		}
		sameFile(t, fd, filepath.Join(root, tc.want))
		unix.Close(fd)
	}
	// A symlink to a host directory leads nowhere in the root: an error,
	// and nothing made on the host.
	if fd, err := mkdirInRoot(rootFd, "/hostpath/x"); err == nil {
		unix.Close(fd)
		t.Error("mkdir through a symlink to a host path succeeded")
	}
	mustBeEmpty(t, host)

	if err := os.WriteFile(filepath.Join(root, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := mkdirInRoot(rootFd, "/file/sub"); !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("below a file: %v; want ENOTDIR", err)
	}
	// A dangling symlink as the last component is not made a directory
	// where it points, in the root or outside.
	mkSymlink(t, "/nowhere", filepath.Join(root, "dangling"))
	if fd, err := mkdirInRoot(rootFd, "/dangling"); err == nil {
		unix.Close(fd)
		t.Error("a dangling symlink became a directory")
	}
	if _, err := os.Lstat(filepath.Join(root, "nowhere")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the symlink's target was made: %v", err)
	}
}

// mkdirLast opens the name it made with no symlink allowed: a symlink
// already there (or swapped in) makes it give up, for pathrs-lite to
// handle, rather than follow it.
func TestMkdirLastRefusesSymlink(t *testing.T) {
	root, host, rootFd := lookupTree(t)
	mkSymlink(t, host, filepath.Join(root, "real", "link"))
	if fd, ok := mkdirLast(rootFd, "/real/link"); ok {
		unix.Close(fd)
		t.Fatal("mkdirLast followed a symlink")
	}
	mustBeEmpty(t, host)
	for _, dir := range []string{"/", "/missing/x"} {
		if fd, ok := mkdirLast(rootFd, dir); ok {
			unix.Close(fd)
			t.Errorf("mkdirLast(%q) succeeded", dir)
		}
	}
	fd, ok := mkdirLast(rootFd, "/real/fresh")
	if !ok {
		t.Fatal("mkdirLast of a missing last component failed")
	}
	sameFile(t, fd, filepath.Join(root, "real", "fresh"))
	unix.Close(fd)
}

func TestDupFile(t *testing.T) {
	_, _, rootFd := lookupTree(t)
	f, err := dupFile(rootFd, "root")
	if err != nil {
		t.Fatal(err)
	}
	if int(f.Fd()) == rootFd {
		t.Fatal("dupFile returned the same descriptor")
	}
	f.Close()
	if !isOpen(rootFd) {
		t.Error("closing the duplicate closed the original")
	}
}
