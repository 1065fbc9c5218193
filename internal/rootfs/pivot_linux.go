package rootfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ocikit/ocikit/internal/mountinfo"
	"golang.org/x/sys/unix"
)

// prepareRoot cuts the container's mounts off from the host's and makes
// the root filesystem a mount of its own.
func (s *setup) prepareRoot() error {
	// Recursively slave by default: host mounts still reach the
	// container, but nothing the container mounts or unmounts propagates
	// back to the host.
	flag := uintptr(unix.MS_SLAVE | unix.MS_REC)
	if p := s.rootPropagation(); p != "" {
		var err error
		if flag, err = propagationFlag(p); err != nil {
			return err
		}
	}
	if err := unix.Mount("", "/", "", flag, ""); err != nil {
		return fmt.Errorf("set propagation of /: %w", err)
	}
	// pivot_root refuses a new root whose mount is shared, and a bind
	// from a shared mount is shared: the mount holding the root
	// filesystem must be private (it matters with a shared rootfsPropagation).
	if err := s.makeParentPrivate(); err != nil {
		return err
	}
	// pivot_root needs the new root to be a mount point; binding it onto
	// itself also gives the container a mount no host path leads into.
	// The runtime's id-mapped copy of it, when there is one, is such a
	// mount already.
	if moved, err := s.rootTree(); err != nil || moved {
		return err
	}
	if err := unix.Mount(s.cfg.Rootfs, s.cfg.Rootfs, "bind", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind root filesystem %q onto itself: %w", s.cfg.Rootfs, err)
	}
	return nil
}

func (s *setup) rootPropagation() string {
	if s.spec.Linux == nil {
		return ""
	}
	return s.spec.Linux.RootfsPropagation
}

// makeParentPrivate makes the mount that holds the root filesystem
// private if it is shared.
func (s *setup) makeParentPrivate() error {
	rootfs, err := filepath.EvalSymlinks(s.cfg.Rootfs)
	if err != nil {
		return fmt.Errorf("resolve root filesystem %q: %w", s.cfg.Rootfs, err)
	}
	fd, err := unix.Openat(s.proc, "thread-self/mountinfo", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /proc/thread-self/mountinfo: %w", err)
	}
	f := os.NewFile(uintptr(fd), "/proc/thread-self/mountinfo")
	defer f.Close()
	// Lenient: a line that cannot be read is one mount less to look at,
	// not a reason to refuse the container.
	ms, err := mountinfo.ParseLenient(f)
	if err != nil {
		return fmt.Errorf("read /proc/thread-self/mountinfo: %w", err)
	}
	mp, shared := parentMount(ms, rootfs)
	if !shared {
		return nil
	}
	if err := unix.Mount("", mp, "", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make %q private: %w", mp, err)
	}
	return nil
}

// parentMount finds, in a mount table, the mount that holds path (the
// longest mount point that is path or one of its parents, the last one
// when several are stacked) and whether it is shared.
func parentMount(ms []mountinfo.Entry, path string) (mountpoint string, shared bool) {
	for _, m := range ms {
		if !within(path, m.Mountpoint) || len(m.Mountpoint) < len(mountpoint) {
			continue
		}
		mountpoint, shared = m.Mountpoint, false
		for _, opt := range m.Optional {
			if strings.HasPrefix(opt, "shared:") {
				shared = true
			}
		}
	}
	return mountpoint, shared
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	return dir == "/" || p == dir || strings.HasPrefix(p, dir+"/")
}

// pivotRoot makes the root filesystem the root of the mount namespace and
// detaches the old root, so that no host path stays reachable.
func (s *setup) pivotRoot() error {
	oldRoot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open old root: %w", err)
	}
	defer unix.Close(oldRoot)
	if err := unix.Fchdir(s.root); err != nil {
		return fmt.Errorf("enter root filesystem: %w", err)
	}
	// pivot_root(".", ".") stacks the old root on top of the new one, at
	// the same place: no directory for it is needed in the image.
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root %q: %w", s.cfg.Rootfs, err)
	}
	if err := unix.Fchdir(oldRoot); err != nil {
		return fmt.Errorf("enter old root: %w", err)
	}
	// Slave before unmounting, so the unmount does not propagate to the
	// host's mounts when rootfsPropagation left some shared.
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make old root slave: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir /: %w", err)
	}
	return nil
}

// moveRoot enters the root filesystem without pivot_root, for roots where
// it does not work (an initramfs): the root is moved over "/" and
// chroot'ed into. The host's mounts stay in the namespace, beneath.
func (s *setup) moveRoot() error {
	if err := unix.Fchdir(s.root); err != nil {
		return fmt.Errorf("enter root filesystem: %w", err)
	}
	if err := unix.Mount(".", "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move root filesystem %q to /: %w", s.cfg.Rootfs, err)
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot %q: %w", s.cfg.Rootfs, err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir /: %w", err)
	}
	return nil
}
