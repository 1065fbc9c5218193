package rootfs

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/ocikit/ocikit/internal/tty"
	"golang.org/x/sys/unix"
)

// setupConsole makes the container's pseudo-terminal from its own devpts
// instance and binds the slave onto /dev/console.
func (s *setup) setupConsole() (master, slave *os.File, err error) {
	ptmx, err := s.openPtmx()
	if err != nil {
		return nil, nil, err
	}
	defer ptmx.Close()
	master, slave, err = tty.NewPty(ptmx)
	if err != nil {
		return nil, nil, fmt.Errorf("console: %w", err)
	}
	if err := s.bindConsole(slave); err != nil {
		master.Close()
		slave.Close()
		return nil, nil, fmt.Errorf("console: %w", err)
	}
	return master, slave, nil
}

// openPtmx opens /dev/pts/ptmx inside the root and checks it is the ptmx
// of a devpts instance: a pty from anywhere else (the host's instance, or
// a node the image planted) would give the container a terminal outside
// its own devpts.
func (s *setup) openPtmx() (*os.File, error) {
	fd, err := openInRoot(s.root, "/dev/pts/ptmx", 0)
	if err != nil {
		return nil, fmt.Errorf("console: open /dev/pts/ptmx in the root: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("console: stat /dev/pts/ptmx: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 5 || unix.Minor(st.Rdev) != 2 {
		unix.Close(fd)
		return nil, errors.New("console: /dev/pts/ptmx is not the device 5:2")
	}
	if err := checkFSType(fd, "devpts"); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("console: /dev/pts/ptmx: %w", err)
	}
	return os.NewFile(uintptr(fd), "/dev/pts/ptmx"), nil
}

// bindConsole binds the pty slave onto /dev/console, creating the file if
// needed. The slave is bound by its file descriptor, never by its
// /dev/pts/N path, which the container could replace (CVE-2025-52565).
func (s *setup) bindConsole(slave *os.File) error {
	// /dev is the root's own directory, or a mount on it, never a
	// symlink (see mustBeDir): opened as such, without following one.
	dev, err := unix.Openat(s.root, "dev", unix.O_PATH|unix.O_NOFOLLOW|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /dev in the root: %w", err)
	}
	defer unix.Close(dev)
	var st unix.Stat_t
	err = unix.Fstatat(dev, "console", &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case errors.Is(err, unix.ENOENT):
	case err != nil:
		return fmt.Errorf("stat /dev/console: %w", err)
	case st.Mode&unix.S_IFMT == unix.S_IFREG || st.Mode&unix.S_IFMT == unix.S_IFCHR:
		// Mounted over as it is; the bind hides it.
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		// Never bind through the image's symlink: remove it.
		if err := unix.Unlinkat(dev, "console", 0); err != nil {
			return fmt.Errorf("remove /dev/console symlink: %w", err)
		}
	default:
		return errors.New("/dev/console in the root filesystem is neither a file nor a device")
	}
	if errors.Is(err, unix.ENOENT) || st.Mode&unix.S_IFMT == unix.S_IFLNK {
		fd, err := createFile(dev, "console", "/dev/console", 0o600)
		if err != nil {
			return err
		}
		unix.Close(fd)
	}
	dst, err := unix.Openat(dev, "console", unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /dev/console: %w", err)
	}
	defer unix.Close(dst)
	if err := unix.Fstat(dst, &st); err != nil {
		return fmt.Errorf("stat /dev/console: %w", err)
	}
	if t := st.Mode & unix.S_IFMT; t != unix.S_IFREG && t != unix.S_IFCHR {
		return errors.New("/dev/console changed while being set up")
	}
	err = s.mountFd("", int(slave.Fd()), dst, "", unix.MS_BIND, "")
	runtime.KeepAlive(slave)
	if err != nil {
		return fmt.Errorf("bind pty slave on /dev/console: %w", err)
	}
	return nil
}

// NewConsole makes a pseudo-terminal pair of the devpts instance mounted
// at /dev/pts under root (a directory handle on a container's root, seen
// from inside its mount namespace), checked as setupConsole checks it. The
// exec role uses it for a process that joins a running container.
func NewConsole(root *os.File) (master, slave *os.File, err error) {
	s := &setup{proc: noFd, cwd: noFd, root: int(root.Fd())}
	ptmx, err := s.openPtmx()
	runtime.KeepAlive(root)
	if err != nil {
		return nil, nil, err
	}
	defer ptmx.Close()
	if master, slave, err = tty.NewPty(ptmx); err != nil {
		return nil, nil, fmt.Errorf("console: %w", err)
	}
	return master, slave, nil
}
