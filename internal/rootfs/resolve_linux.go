package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// cleanDest turns a spec destination into a clean absolute path inside
// the container. Since runtime-spec 1.2 a relative destination is
// relative to the container's "/".
func cleanDest(dest string) (string, error) {
	if dest == "" {
		return "", errors.New("empty destination")
	}
	d := path.Clean("/" + dest)
	if d == "/" {
		return "", errors.New("destination is the root itself")
	}
	return d, nil
}

// notRoot fails when f is the container's root directory: a destination
// that resolves there (a symlink to "/" or to "../../..", which in-root
// resolution clamps to the root) would cover the whole root filesystem.
func (s *setup) notRoot(f *os.File, dest string) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return fmt.Errorf("stat %q: %w", dest, err)
	}
	if st.Dev == s.rootStat.Dev && st.Ino == s.rootStat.Ino {
		return fmt.Errorf("destination %q resolves to the container's root directory", dest)
	}
	return nil
}

// mkdirAll is pathrs.MkdirAllHandle with an error that says what went
// wrong in terms of the image.
func (s *setup) mkdirAll(dir string) (*os.File, error) {
	f, err := pathrs.MkdirAllHandle(s.root, dir, 0o755)
	if errors.Is(err, unix.ENOTDIR) {
		return nil, fmt.Errorf("create directory %q in the root: %w (a path component is a file, or a symlink to nothing in the root)", dir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("create directory %q in the root: %w", dir, err)
	}
	return f, nil
}

// dirTarget returns a handle on the directory dest inside the root,
// creating it and its parents. Symlinks on the way are followed, but only
// inside the root (pathrs-lite: openat2 RESOLVE_IN_ROOT or an emulation),
// so an image or a shared volume cannot send the mount outside.
func (s *setup) dirTarget(dest string) (*os.File, error) {
	f, err := s.mkdirAll(dest)
	if err != nil {
		return nil, err
	}
	if err := s.notRoot(f, dest); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// fileTarget returns a handle on the file dest inside the root, creating
// an empty one (and its parent directories) when it does not exist, to
// bind a file onto.
func (s *setup) fileTarget(dest string) (*os.File, error) {
	f, err := pathrs.OpenatInRoot(s.root, dest)
	if err == nil {
		if err := s.notRoot(f, dest); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
	if !errors.Is(err, unix.ENOENT) {
		return nil, fmt.Errorf("open %q in the root: %w", dest, err)
	}
	parent, err := s.mkdirAll(path.Dir(dest))
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	return createFile(parent, path.Base(dest), dest, 0o644)
}

// createFile creates the empty regular file name in dir and returns it
// open. O_EXCL|O_NOFOLLOW: it is a new file, never something already
// there, in particular not where a symlink points.
func createFile(dir *os.File, name, display string, mode uint32) (*os.File, error) {
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_RDONLY|unix.O_CLOEXEC, mode)
	if errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("create %q: %w (a dangling symlink?)", display, err)
	}
	if err != nil {
		return nil, fmt.Errorf("create %q: %w", display, err)
	}
	return os.NewFile(uintptr(fd), display), nil
}

// strictDirTarget is dirTarget for destinations that must be real
// directories of the image, /proc and /sys: their last component may not
// be a symlink or anything but a directory. A /proc that is a symlink to,
// say, /etc would make the container's procfs appear elsewhere and leave
// the AppArmor and SELinux attribute files the runtime writes in a place
// the image chose (CVE-2019-16884).
func (s *setup) strictDirTarget(dest string) (*os.File, error) {
	parent, err := s.mkdirAll(path.Dir(dest))
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	name := path.Base(dest)
	var st unix.Stat_t
	err = unix.Fstatat(int(parent.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		if err := unix.Mkdirat(int(parent.Fd()), name, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
			return nil, fmt.Errorf("mkdir %q: %w", dest, err)
		}
		err = unix.Fstatat(int(parent.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	}
	if err != nil {
		return nil, fmt.Errorf("stat %q: %w", dest, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
	case unix.S_IFLNK:
		return nil, fmt.Errorf("%q is a symlink in the root filesystem; it must be a directory", dest)
	default:
		return nil, fmt.Errorf("%q is not a directory in the root filesystem", dest)
	}
	fd, err := unix.Openat(int(parent.Fd()), name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", dest, err)
	}
	f := os.NewFile(uintptr(fd), dest)
	if err := s.notRoot(f, dest); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
