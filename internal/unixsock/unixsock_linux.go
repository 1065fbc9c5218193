package unixsock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// SunPathLen is the size of sockaddr_un.sun_path. The kernel needs room
// for a terminating NUL, so a path must be shorter than this to fit.
const SunPathLen = len(unix.RawSockaddrUnix{}.Path)

// Dial connects a close-on-exec SOCK_STREAM socket to the unix socket at
// path, whatever its length.
func Dial(path string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if err := connect(fd, path); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), path), nil
}

func connect(fd int, path string) error {
	if path == "" {
		return errors.New("empty path")
	}
	if len(path) < SunPathLen {
		return unix.Connect(fd, &unix.SockaddrUnix{Name: path})
	}
	return viaDir(path, func(dfd int, short string) error {
		if len(short) < SunPathLen {
			return unix.Connect(fd, &unix.SockaddrUnix{Name: short})
		}
		// The base name alone is too long: name the socket inode itself
		// through an O_PATH descriptor. connect follows the magic link to
		// that inode, and a final symlink in path just as a direct
		// connect would.
		sfd, err := unix.Openat(dfd, filepath.Base(path), unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open socket: %w", err)
		}
		defer unix.Close(sfd)
		return unix.Connect(fd, &unix.SockaddrUnix{Name: fmt.Sprintf("/proc/self/fd/%d", sfd)})
	})
}

// Listen makes a close-on-exec listening SOCK_STREAM socket at path,
// whatever the length of its directory part (the base name must fit).
func Listen(path string, backlog int) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	bind := func(name string) error {
		if len(name) >= SunPathLen {
			return fmt.Errorf("socket name %q too long", filepath.Base(path))
		}
		if err := unix.Bind(fd, &unix.SockaddrUnix{Name: name}); err != nil {
			return err
		}
		return unix.Listen(fd, backlog)
	}
	if len(path) < SunPathLen {
		err = bind(path)
	} else {
		err = viaDir(path, func(_ int, short string) error { return bind(short) })
	}
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), path), nil
}

// viaDir calls fn with an O_PATH descriptor of path's directory and the
// short name /proc/self/fd/N/<base> that reaches path through it.
func viaDir(path string, fn func(dfd int, short string) error) error {
	dfd, err := unix.Open(filepath.Dir(path), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open directory: %w", err)
	}
	defer unix.Close(dfd)
	return fn(dfd, fmt.Sprintf("/proc/self/fd/%d/%s", dfd, filepath.Base(path)))
}
