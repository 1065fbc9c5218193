package process

import (
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"
)

// CloseExecFrom marks every file descriptor >= from close-on-exec, so that
// none of the runtime's descriptors (the bootstrap socket, a directory of
// the host, the state folder) reaches the container's program.
//
// Marking rather than closing matters: Go's runtime keeps descriptors of
// its own (the netpoller's epoll and its wake-up pipe) that it still uses
// until execve, and closing them under it would break the init or, worse,
// let a reused number be written to by mistake.
func CloseExecFrom(from int) error {
	if from < 0 {
		return fmt.Errorf("close-on-exec from %d: negative descriptor", from)
	}
	err := unix.CloseRange(uint(from), ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	if err == nil {
		return nil
	}
	// ENOSYS: kernel before 5.9; EINVAL: before 5.11, which has
	// close_range without CLOSE_RANGE_CLOEXEC.
	if !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("close_range from %d: %w", from, err)
	}
	return closeExecProcFd(from)
}

// closeExecProcFd is CloseExecFrom for kernels without close_range: it
// lists the descriptors in a verified procfs's thread-self/fd and sets
// FD_CLOEXEC on each one >= from. Not the path /proc/self/fd: after
// pivot_root an image could put a directory there that lists none, and
// every runtime descriptor would reach the container's program.
func closeExecProcFd(from int) error {
	proc, err := OpenProcFS()
	if err != nil {
		return fmt.Errorf("close-on-exec from %d: %w", from, err)
	}
	defer proc.Close()
	d, err := proc.openSelf("fd", unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return fmt.Errorf("close-on-exec from %d: %w", from, err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return fmt.Errorf("close-on-exec from %d: read %s: %w", from, d.Name(), err)
	}
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil || fd < from {
			continue
		}
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
			// The directory's own descriptor is in the list and is
			// closed by now; so may be any that another thread closed.
			if errors.Is(err, unix.EBADF) {
				continue
			}
			return fmt.Errorf("close-on-exec fd %d: %w", fd, err)
		}
	}
	return nil
}
