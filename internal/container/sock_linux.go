package container

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Unix socket paths are limited to 108 bytes and a state folder path may
// be longer (IDs go up to 1024 bytes), so sockets in it are bound and
// connected through /proc/self/fd/N/NAME, N an O_PATH fd of the folder.
func viaDirFD(path string, fn func(short string) error) error {
	dir, base := filepath.Split(path)
	dfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	return fn(fmt.Sprintf("/proc/self/fd/%d/%s", dfd, base))
}

// listenUnix makes a listening stream socket at path; the fd is not
// close-on-exec-safe to hand to a child through ExtraFiles (os/exec dups).
func listenUnix(path string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	err = viaDirFD(path, func(short string) error {
		if err := unix.Bind(fd, &unix.SockaddrUnix{Name: short}); err != nil {
			return err
		}
		return unix.Listen(fd, 8)
	})
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("listen on %q: %w", path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// dialUnix connects a stream socket to path.
func dialUnix(path string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	err = viaDirFD(path, func(short string) error {
		return unix.Connect(fd, &unix.SockaddrUnix{Name: short})
	})
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("connect to %q: %w", path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}
