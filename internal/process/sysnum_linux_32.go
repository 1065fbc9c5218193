//go:build linux && (386 || arm)

package process

import "golang.org/x/sys/unix"

// On 386 and arm the plain credential calls take 16-bit ids; the "32"
// variants take the 32-bit ids the spec uses.
const (
	sysSetresuid = unix.SYS_SETRESUID32
	sysSetresgid = unix.SYS_SETRESGID32
	sysSetgroups = unix.SYS_SETGROUPS32
)
