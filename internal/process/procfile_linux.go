package process

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// readProcFile returns the contents of a small /proc file (a number, a
// word), read with plain system calls: open, read, close. os.ReadFile
// would add an fstat, and put the descriptor in non-blocking mode and in
// the runtime's poller and take it out again, for a file that never
// blocks.
func readProcFile(path string) (string, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", path, err)
	}
	defer unix.Close(fd)
	var buf [128]byte
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", path, err)
		}
		if m == 0 {
			return string(buf[:n]), nil
		}
		n += m
	}
	return "", fmt.Errorf("read %s: longer than %d bytes", path, len(buf))
}
