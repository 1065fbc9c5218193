package fsutil

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// ReadFile reads a small file whole, as os.ReadFile does and with the same
// errors (*fs.PathError), on a bare descriptor. An *os.File is dearer than
// the read on the lifecycle tools' hot path: the first one of a process
// sets up the Go runtime's network poller (epoll_create1, eventfd2,
// epoll_ctl), and each regular file is offered to it in vain (four fcntl
// and a refused epoll_ctl). The state files and /proc files these tools
// read need none of that.
func ReadFile(path string) ([]byte, error) {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	// /proc files report size 0, and state files are a few kilobytes: one
	// read usually takes it all.
	buf := make([]byte, 0, 4096)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}
