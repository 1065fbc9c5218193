package tty

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// NewPty creates a pseudo-terminal pair from ptmx, an open /dev/pts/ptmx (or
// /dev/ptmx) of the devpts instance the pair must belong to. The slave is
// opened with TIOCGPTPEER, through the master itself, so no /dev/pts/N path
// is resolved: a container cannot redirect the open with a symlink
// (CVE-2025-52565).
func NewPty(ptmx *os.File) (master, slave *os.File, err error) {
	mfd, err := unix.Open(fmt.Sprintf("/proc/self/fd/%d", ptmx.Fd()), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open pty master: %w", err)
	}
	master = os.NewFile(uintptr(mfd), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("unlock pty: %w", err)
	}
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(mfd), unix.TIOCGPTPEER, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC)
	sfd := int(r)
	if errno != 0 {
		err = errno
		master.Close()
		return nil, nil, fmt.Errorf("open pty slave: %w", err)
	}
	n, err := unix.IoctlGetUint32(mfd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		unix.Close(sfd)
		return nil, nil, fmt.Errorf("pty number: %w", err)
	}
	return master, os.NewFile(uintptr(sfd), fmt.Sprintf("/dev/pts/%d", n)), nil
}
