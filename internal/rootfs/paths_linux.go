package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// openInRoot opens p inside the (entered) root; ok is false when it does
// not exist, which masked and read-only paths ignore.
func (s *setup) openInRoot(p string) (f *os.File, ok bool, err error) {
	f, err = pathrs.OpenatInRoot(s.root, path.Clean("/"+p))
	if errors.Is(err, unix.ENOENT) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return f, true, nil
}

// openDevNull opens the container's /dev/null and checks that it is the
// null device. Masking binds it over files by its handle: a /dev/null
// that the image or a racing container process made a symlink or another
// file would otherwise expose that file in every masked place, or hide
// nothing (CVE-2025-31133).
func (s *setup) openDevNull() (*os.File, error) {
	f, ok, err := s.openInRoot("/dev/null")
	if err == nil && !ok {
		err = unix.ENOENT
	}
	if err != nil {
		return nil, fmt.Errorf("open /dev/null: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("stat /dev/null: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
		f.Close()
		return nil, errors.New("/dev/null is not the null device 1:3")
	}
	return f, nil
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
	defer null.Close()
	for _, p := range paths {
		if err := s.maskPath(p, null); err != nil {
			return fmt.Errorf("mask %q: %w", p, err)
		}
	}
	return nil
}

func (s *setup) maskPath(p string, null *os.File) error {
	f, ok, err := s.openInRoot(p)
	if err != nil || !ok {
		return err
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return s.mountFd("tmpfs", nil, f, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
	}
	return s.mountFd("", null, f, "", unix.MS_BIND, "")
}

// readonlyPaths makes the spec's linux.readonlyPaths read-only: each is
// bound onto itself and the bind remounted read-only.
func (s *setup) readonlyPaths(paths []string) error {
	for _, p := range paths {
		if err := s.readonlyPath(path.Clean("/" + p)); err != nil {
			return fmt.Errorf("make %q read-only: %w", p, err)
		}
	}
	return nil
}

func (s *setup) readonlyPath(p string) error {
	f, ok, err := s.openInRoot(p)
	if err != nil || !ok {
		return err
	}
	defer f.Close()
	if err := s.mountFd("", f, f, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind onto itself: %w", err)
	}
	top, err := s.reopenMounted(p, f)
	if err != nil {
		return err
	}
	defer top.Close()
	return s.remountBind(top, unix.MS_RDONLY, unix.MS_RDONLY)
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
	if err := s.mountFd("", nil, s.root, "", flag, ""); err != nil {
		return fmt.Errorf("set propagation of /: %w", err)
	}
	return nil
}
