package signals

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Process is a handle on one process through a pidfd.
type Process struct {
	Pid int
	fd  int
}

// Open returns a pidfd handle for pid, checking that the process it
// refers to still has startTime (field 22 of /proc/PID/stat; 0 skips the
// check). The check is made after the pidfd is open, so the handle can
// never refer to a process that reused the pid.
func Open(pid int, startTime uint64, procStart func(int) (uint64, error)) (*Process, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			return nil, fmt.Errorf("process %d: %w", pid, os.ErrProcessDone)
		}
		return nil, fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	if startTime != 0 && procStart != nil {
		st, err := procStart(pid)
		if err != nil || st != startTime {
			unix.Close(fd)
			return nil, fmt.Errorf("process %d: %w", pid, os.ErrProcessDone)
		}
	}
	return &Process{Pid: pid, fd: fd}, nil
}

// Signal sends sig to the process. A process that has exited is not an
// error when gone is true.
func (p *Process) Signal(sig unix.Signal) error {
	err := unix.PidfdSendSignal(p.fd, sig, nil, 0)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("signal process %d: %w", p.Pid, os.ErrProcessDone)
		}
		return fmt.Errorf("signal process %d: %w", p.Pid, err)
	}
	return nil
}

// Close releases the pidfd.
func (p *Process) Close() error { return unix.Close(p.fd) }

// WaitAll waits, with poll(2) on the pidfds, until every process has
// exited or the timeout (<= 0: none) passes. It does not reap: it works for
// processes that are not the caller's children.
func WaitAll(procs []*Process, timeout time.Duration) error {
	pending := append([]*Process(nil), procs...)
	deadline := time.Now().Add(timeout)
	for len(pending) > 0 {
		fds := make([]unix.PollFd, len(pending))
		for i, p := range pending {
			fds[i] = unix.PollFd{Fd: int32(p.fd), Events: unix.POLLIN}
		}
		ms := -1
		if timeout > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return fmt.Errorf("%d process(es) still running after %s (first: %d)", len(pending), timeout, pending[0].Pid)
			}
			ms = int(left/time.Millisecond) + 1
		}
		n, err := unix.Poll(fds, ms)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("poll pidfds: %w", err)
		}
		if n == 0 {
			continue
		}
		var rest []*Process
		for i, p := range pending {
			if fds[i].Revents == 0 {
				rest = append(rest, p)
			}
		}
		pending = rest
	}
	return nil
}
