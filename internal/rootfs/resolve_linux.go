package rootfs

import (
	"errors"
	"fmt"
	"path"

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

// notRoot fails when fd is the container's root directory: a destination
// that resolves there (a symlink to "/" or to "../../..", which in-root
// resolution clamps to the root) would cover the whole root filesystem.
func (s *setup) notRoot(fd int, dest string) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat %q: %w", dest, err)
	}
	if st.Dev == s.rootStat.Dev && st.Ino == s.rootStat.Ino {
		return fmt.Errorf("destination %q resolves to the container's root directory", dest)
	}
	return nil
}

// mkdirAll is mkdirInRoot with an error that says what went wrong in
// terms of the image.
func (s *setup) mkdirAll(dir string) (int, error) {
	fd, err := mkdirInRoot(s.root, dir)
	if errors.Is(err, unix.ENOTDIR) {
		return -1, fmt.Errorf("create directory %q in the root: %w (a path component is a file, or a symlink to nothing in the root)", dir, err)
	}
	if err != nil {
		return -1, fmt.Errorf("create directory %q in the root: %w", dir, err)
	}
	return fd, nil
}

// dirTarget returns a handle on the directory dest inside the root,
// creating it and its parents. Symlinks on the way are followed, but only
// inside the root (openat2 RESOLVE_IN_ROOT, or pathrs-lite's emulation),
// so an image or a shared volume cannot send the mount outside.
func (s *setup) dirTarget(dest string) (int, error) {
	fd, err := s.mkdirAll(dest)
	if err != nil {
		return -1, err
	}
	if err := s.usable(fd, dest); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// usable checks a resolved mount target: not the root itself, not on
// procfs or sysfs where the destination may not go (see checkTarget).
func (s *setup) usable(fd int, dest string) error {
	if err := s.notRoot(fd, dest); err != nil {
		return err
	}
	return s.checkTarget(dest, fd)
}

// fileTarget returns a handle on the file dest inside the root, creating
// an empty one (and its parent directories) when it does not exist, to
// bind a file onto.
func (s *setup) fileTarget(dest string) (int, error) {
	fd, err := openInRoot(s.root, dest, 0)
	if err == nil {
		if err := s.usable(fd, dest); err != nil {
			unix.Close(fd)
			return -1, err
		}
		return fd, nil
	}
	if !errors.Is(err, unix.ENOENT) {
		return -1, fmt.Errorf("open %q in the root: %w", dest, err)
	}
	parent, err := s.mkdirAll(path.Dir(dest))
	if err != nil {
		return -1, err
	}
	defer unix.Close(parent)
	// No file can be created on procfs or sysfs: say where the parent
	// led rather than report the kernel's refusal.
	if err := s.checkParent(dest, parent); err != nil {
		return -1, err
	}
	return createFile(parent, path.Base(dest), dest, 0o644)
}

// createFile creates the empty regular file name in dir and returns it
// open. O_EXCL|O_NOFOLLOW: it is a new file, never something already
// there, in particular not where a symlink points.
func createFile(dir int, name, display string, mode uint32) (int, error) {
	fd, err := unix.Openat(dir, name, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_RDONLY|unix.O_CLOEXEC, mode)
	if errors.Is(err, unix.EEXIST) {
		return -1, fmt.Errorf("create %q: %w (a dangling symlink?)", display, err)
	}
	if err != nil {
		return -1, fmt.Errorf("create %q: %w", display, err)
	}
	return fd, nil
}

// strictDirTarget is dirTarget for destinations that must be real
// directories of the image, /proc, /sys and /dev: their last component
// may not be a symlink or anything but a directory. A /proc that is a
// symlink to, say, /etc would make the container's procfs appear
// elsewhere and leave the AppArmor and SELinux attribute files the
// runtime writes in a place the image chose (CVE-2019-16884); for /dev
// see mustBeDir.
func (s *setup) strictDirTarget(dest string) (int, error) {
	// /proc, /sys and /dev are in the root directory itself: the root's own
	// handle is their parent, with no lookup at all.
	parent := s.root
	if dir := path.Dir(dest); dir != "/" {
		var err error
		if parent, err = s.mkdirAll(dir); err != nil {
			return -1, err
		}
		defer unix.Close(parent)
	}
	name := path.Base(dest)
	// The usual case first: the image has the directory. O_NOFOLLOW |
	// O_DIRECTORY opens it only when the name itself is a directory, and
	// the checks below explain any failure.
	fd, err := unix.Openat(parent, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		if fd, err = strictDirSlow(parent, name, dest); err != nil {
			return -1, err
		}
	}
	if err := s.usable(fd, dest); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// strictDirSlow makes the directory name in parent when it is missing,
// explains why it cannot be used when it is something else, and opens it.
func strictDirSlow(parent int, name, dest string) (int, error) {
	var st unix.Stat_t
	err := unix.Fstatat(parent, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		if err := unix.Mkdirat(parent, name, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
			return -1, fmt.Errorf("mkdir %q: %w", dest, err)
		}
		err = unix.Fstatat(parent, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	}
	if err != nil {
		return -1, fmt.Errorf("stat %q: %w", dest, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
	case unix.S_IFLNK:
		return -1, fmt.Errorf("%q is a symlink in the root filesystem; it must be a directory", dest)
	default:
		return -1, fmt.Errorf("%q is not a directory in the root filesystem", dest)
	}
	fd, err := unix.Openat(parent, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open %q: %w", dest, err)
	}
	return fd, nil
}
