package tty

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// getTermios returns the terminal attributes of f. On a pty master the
// kernel answers for the slave, whose line discipline is the one that
// interprets input.
func getTermios(f *os.File) (*unix.Termios, error) {
	var t *unix.Termios
	err := control(f, func(fd int) error {
		var err error
		t, err = unix.IoctlGetTermios(fd, unix.TCGETS)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get terminal attributes of %q: %w", f.Name(), err)
	}
	return t, nil
}

// setTermios sets the terminal attributes of f at once (TCSANOW).
func setTermios(f *os.File, t *unix.Termios) error {
	err := control(f, func(fd int) error {
		return unix.IoctlSetTermios(fd, unix.TCSETS, t)
	})
	if err != nil {
		return fmt.Errorf("set terminal attributes of %q: %w", f.Name(), err)
	}
	return nil
}

// makeRaw puts the terminal f in raw mode, as cfmakeraw(3) defines it, and
// returns the attributes it had so they can be restored. In raw mode every
// byte the user types, ^C and ^Z included, reaches the container's terminal,
// whose own line discipline then decides what they mean; output processing
// is off too because the container's terminal already did it.
func makeRaw(f *os.File) (*unix.Termios, error) {
	saved, err := getTermios(f)
	if err != nil {
		return nil, err
	}
	raw := *saved
	raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	raw.Oflag &^= unix.OPOST
	raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Cflag &^= unix.CSIZE | unix.PARENB
	raw.Cflag |= unix.CS8
	raw.Cc[unix.VMIN] = 1
	raw.Cc[unix.VTIME] = 0
	if err := setTermios(f, &raw); err != nil {
		return nil, err
	}
	return saved, nil
}
