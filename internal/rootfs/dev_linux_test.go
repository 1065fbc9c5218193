package rootfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Devices made relative to the cached directory descriptors. FIFOs need
// no privilege, so these run as any user; the real devices are made in
// the integration tests.

// devSetup returns a setup over a fresh root with a "dev" directory, its
// procfs handle opened as Setup opens it, closed at the end of the test.
func devSetup(t *testing.T) (*setup, string) {
	t.Helper()
	root, _, rootFd := lookupTree(t)
	if err := os.Mkdir(filepath.Join(root, "dev"), 0o755); err != nil {
		t.Fatal(err)
	}
	proc, err := unix.Open("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(proc) })
	return &setup{cfg: &Config{}, spec: &specs.Spec{}, proc: proc, cwd: noFd, root: rootFd}, root
}

// fifo is a spec device for a FIFO owned by the test's own user, so that
// no chown needs privilege.
func fifo(p string, perm os.FileMode) specs.LinuxDevice {
	uid, gid := uint32(os.Geteuid()), uint32(os.Getegid())
	return specs.LinuxDevice{Path: p, Type: "p", FileMode: &perm, UID: &uid, GID: &gid}
}

func TestDevDirsOpenOnce(t *testing.T) {
	s, root := devSetup(t)
	dirs := &devDirs{s: s, fds: map[string]int{}}
	a, err := dirs.open("/dev")
	if err != nil {
		t.Fatal(err)
	}
	b, err := dirs.open("/dev")
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("/dev opened twice: descriptors %d and %d", a, b)
	}
	sub, err := dirs.open("/dev/net")
	if err != nil {
		t.Fatal(err)
	}
	sameFile(t, sub, filepath.Join(root, "dev/net"))
	dirs.close()
	for _, fd := range []int{a, sub} {
		if isOpen(fd) {
			t.Errorf("descriptor %d still open after close", fd)
		}
	}
}

func TestCreateDeviceFIFO(t *testing.T) {
	s, root := devSetup(t)
	dirs := &devDirs{s: s, fds: map[string]int{}}
	defer dirs.close()
	// A mode the umask would cut, in /dev and in a directory to create.
	old := unix.Umask(0o077)
	defer unix.Umask(old)
	for _, p := range []string{"/dev/fifo", "/dev/sub/fifo"} {
		d := fifo(p, 0o664)
		for range 2 { // the second time, it is there already
			if err := s.createDevice(dirs, d); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
		}
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(root, p), &st); err != nil {
			t.Fatal(err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFIFO || st.Mode&0o7777 != 0o664 {
			t.Errorf("%s: mode %#o; want a FIFO with 0664", p, st.Mode)
		}
	}
	if len(dirs.fds) != 2 {
		t.Errorf("%d directories opened; want 2 (/dev, /dev/sub)", len(dirs.fds))
	}
}

// What is in the way of a device: an empty file is replaced, a symlink
// or any other file is an error and stays as it was.
func TestCreateDeviceInTheWay(t *testing.T) {
	s, root := devSetup(t)
	_, host, _ := lookupTree(t)
	dirs := &devDirs{s: s, fds: map[string]int{}}
	defer dirs.close()
	dev := filepath.Join(root, "dev")
	if err := os.WriteFile(filepath.Join(dev, "empty"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.createDevice(dirs, fifo("/dev/empty", 0o600)); err != nil {
		t.Errorf("empty file: %v", err)
	} else if fi, err := os.Lstat(filepath.Join(dev, "empty")); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("empty file not replaced by the FIFO: %v %v", fi.Mode(), err)
	}

	mkSymlink(t, filepath.Join(host, "target"), filepath.Join(dev, "link"))
	err := s.createDevice(dirs, fifo("/dev/link", 0o600))
	if err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("symlink: %v; want an error about the symlink", err)
	}
	mustBeEmpty(t, host)

	if err := os.WriteFile(filepath.Join(dev, "data"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.createDevice(dirs, fifo("/dev/data", 0o600)); err == nil || !strings.Contains(err.Error(), "different file") {
		t.Errorf("a file with data: %v; want an error about a different file", err)
	}
	if b, err := os.ReadFile(filepath.Join(dev, "data")); err != nil || string(b) != "x" {
		t.Errorf("the file in the way changed: %q %v", b, err)
	}
}

func TestMknodExists(t *testing.T) {
	root, _, _ := lookupTree(t)
	dir, err := unix.Open(filepath.Join(root, "real"), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dir)
	if err := mknod(dir, "p", unix.S_IFIFO, 0o600, 0); err != nil {
		t.Fatal(err)
	}
	if err := mknod(dir, "p", unix.S_IFIFO, 0o600, 0); !errors.Is(err, unix.EEXIST) {
		t.Errorf("second mknod: %v; want EEXIST", err)
	}
}
