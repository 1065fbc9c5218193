package rootfs

import (
	"errors"
	"fmt"
	"path"

	"golang.org/x/sys/unix"
)

// openExisting opens p inside the (entered) root; ok is false when it
// does not exist, which masked and read-only paths ignore.
func (s *setup) openExisting(p string) (fd int, ok bool, err error) {
	fd, err = openInRoot(s.root, path.Clean("/"+p), 0)
	if errors.Is(err, unix.ENOENT) {
		return -1, false, nil
	}
	if err != nil {
		return -1, false, err
	}
	return fd, true, nil
}

// openDevNull opens the container's /dev/null and checks that it is the
// null device. Masking binds it over files by its handle: a /dev/null
// that the image or a racing container process made a symlink or another
// file would otherwise expose that file in every masked place, or hide
// nothing (CVE-2025-31133).
func (s *setup) openDevNull() (int, error) {
	fd, ok, err := s.openExisting("/dev/null")
	if err == nil && !ok {
		err = unix.ENOENT
	}
	if err != nil {
		return -1, fmt.Errorf("open /dev/null: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("stat /dev/null: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
		unix.Close(fd)
		return -1, errors.New("/dev/null is not the null device 1:3")
	}
	return fd, nil
}

// maskPaths hides the spec's linux.maskedPaths: /dev/null over files, an
// empty read-only tmpfs over directories.
func (s *setup) maskPaths(paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	null, err := s.openDevNull()
	if err != nil {
		return fmt.Errorf("mask paths: %w", err)
	}
	defer unix.Close(null)
	for _, p := range paths {
		if err := s.maskPath(p, null); err != nil {
			return fmt.Errorf("mask %q: %w", p, err)
		}
	}
	return nil
}

func (s *setup) maskPath(p string, null int) error {
	fd, ok, err := s.openExisting(p)
	if err != nil || !ok {
		return err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return s.mountFd("tmpfs", noFd, fd, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
	}
	return s.mountFd("", null, fd, "", unix.MS_BIND, "")
}

// readonlyPaths makes the spec's linux.readonlyPaths read-only: each is
// bound onto itself (recursively) and every mount of that bind made
// read-only, so that a mount below a read-only path (a spec mount under
// /proc/sys, binfmt_misc) does not stay writable.
func (s *setup) readonlyPaths(paths []string) error {
	for _, p := range paths {
		if err := s.readonlyPath(path.Clean("/" + p)); err != nil {
			return fmt.Errorf("make %q read-only: %w", p, err)
		}
	}
	return nil
}

func (s *setup) readonlyPath(p string) error {
	fd, ok, err := s.openExisting(p)
	if err != nil || !ok {
		return err
	}
	defer unix.Close(fd)
	if err := s.mountFd("", fd, fd, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind onto itself: %w", err)
	}
	top, err := s.reopenMounted(p, fd)
	if err != nil {
		return err
	}
	defer unix.Close(top)
	if err := s.remountBind(top, unix.MS_RDONLY, unix.MS_RDONLY); err != nil {
		return err
	}
	return setRecursive(top, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY})
}

// readonlyRoot remounts the root read-only, keeping its other flags.
func (s *setup) readonlyRoot() error {
	if err := s.remountBind(s.root, unix.MS_RDONLY, unix.MS_RDONLY); err != nil {
		return fmt.Errorf("make / read-only: %w", err)
	}
	return nil
}

// applyRootPropagation gives the entered root the spec's
// rootfsPropagation: the root's mount is new (the bind of the root
// filesystem) and private, whatever "/" was set to before.
func (s *setup) applyRootPropagation() error {
	p := s.rootPropagation()
	if p == "" {
		return nil
	}
	flag, err := propagationFlag(p)
	if err != nil {
		return err
	}
	if err := s.mountFd("", noFd, s.root, "", flag, ""); err != nil {
		return fmt.Errorf("set propagation of /: %w", err)
	}
	return nil
}
