package tty

import (
	"fmt"
	"math"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// control runs fn on f's descriptor. SyscallConn is used rather than Fd,
// which would switch a pollable file to blocking mode for good.
func control(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var fnErr error
	if err := rc.Control(func(fd uintptr) { fnErr = fn(int(fd)) }); err != nil {
		return err
	}
	return fnErr
}

// SetSize sets the window size of the terminal f. On a pty master it sets
// the size of the slave side, and the kernel sends SIGWINCH to the slave's
// foreground process group.
func SetSize(f *os.File, rows, cols uint16) error {
	err := control(f, func(fd int) error {
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
	})
	if err != nil {
		return fmt.Errorf("set window size of %q: %w", f.Name(), err)
	}
	return nil
}

// GetSize returns the window size of the terminal f.
func GetSize(f *os.File) (rows, cols uint16, err error) {
	err = control(f, func(fd int) error {
		ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
		if err != nil {
			return err
		}
		rows, cols = ws.Row, ws.Col
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("get window size of %q: %w", f.Name(), err)
	}
	return rows, cols, nil
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	err := control(f, func(fd int) error {
		_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		return err
	})
	return err == nil
}

// ApplyConsoleSize gives the terminal slave the size a spec's
// process.consoleSize asks for. A nil box leaves the size alone.
func ApplyConsoleSize(slave *os.File, box *specs.Box) error {
	if box == nil {
		return nil
	}
	// The kernel's winsize fields are 16 bits; refuse rather than truncate
	// to a surprising size.
	if box.Height > math.MaxUint16 || box.Width > math.MaxUint16 {
		return fmt.Errorf("console size %dx%d of %q: larger than %d", box.Height, box.Width, slave.Name(), math.MaxUint16)
	}
	return SetSize(slave, uint16(box.Height), uint16(box.Width))
}
