//go:build linux && !386 && !arm

package process

import "golang.org/x/sys/unix"

// System call numbers for credentials with 32-bit ids.
const (
	sysSetresuid = unix.SYS_SETRESUID
	sysSetresgid = unix.SYS_SETRESGID
	sysSetgroups = unix.SYS_SETGROUPS
)
