package tty

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// deadline bounds every wait in these tests; reaching it means a bug, not a
// slow machine.
const deadline = 10 * time.Second

// newTestPty makes a pty pair with NewPty on an O_PATH /dev/ptmx, as the
// runtime does, and closes both ends when the test ends.
func newTestPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	ptmx := os.NewFile(uintptr(fd), "/dev/ptmx")
	defer ptmx.Close()
	master, slave, err = NewPty(ptmx)
	if err != nil {
		t.Fatalf("NewPty: %v", err)
	}
	t.Cleanup(func() {
		master.Close()
		slave.Close()
	})
	return master, slave
}

// pollable returns f as a non-blocking, poller-managed file, so that closing
// it interrupts a read blocked in another goroutine. f itself is closed.
func pollable(t *testing.T, f *os.File) *os.File {
	t.Helper()
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("dup %s: %v", f.Name(), err)
	}
	f.Close()
	if err := unix.SetNonblock(fd, true); err != nil {
		t.Fatalf("set non-blocking %s: %v", f.Name(), err)
	}
	p := os.NewFile(uintptr(fd), f.Name())
	t.Cleanup(func() { p.Close() })
	return p
}

// collector reads a file in the background and lets a test wait for text.
type collector struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	change chan struct{} // receives after every read and at the end
	done   chan struct{}
}

func collect(f *os.File) *collector {
	c := &collector{change: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		b := make([]byte, 4096)
		for {
			n, err := f.Read(b)
			c.mu.Lock()
			c.buf.Write(b[:n])
			c.mu.Unlock()
			select {
			case c.change <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

func (c *collector) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// waitFor blocks until the collected text contains want.
func (c *collector) waitFor(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(deadline)
	for !strings.Contains(c.String(), want) {
		select {
		case <-c.change:
		case <-c.done:
			if !strings.Contains(c.String(), want) {
				t.Fatalf("stream ended without %q; got %q", want, c.String())
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %q; got %q", want, c.String())
		}
	}
}

// waitUntil polls cond until it holds; for state the kernel changes without
// telling anyone, such as a window size.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// recvWithin receives from ch or fails the test at the deadline.
func recvWithin[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(deadline):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
