package seccomp

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The other end of SCMP_ACT_NOTIFY: what a seccomp agent, the process at
// linux.seccomp.listenerPath that got the listener, reads and answers.
// The runtime itself never answers a notification; engines and tests
// that play the agent use these, as golang.org/x/sys/unix has the ioctl
// numbers but not the structures.

// Notif is the kernel's struct seccomp_notif: one call of a process under
// the filter, waiting for its answer.
type Notif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Nr    int32
	Arch  uint32
	IP    uint64
	Args  [6]uint64
}

// NotifResp is the kernel's struct seccomp_notif_resp: the call's result
// (Val, or -errno in Error), or Flags SECCOMP_USER_NOTIF_FLAG_CONTINUE to
// let the call run as if unfiltered.
type NotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// RecvNotif waits on listener fd for the next notification
// (SECCOMP_IOCTL_NOTIF_RECV). ENOENT means the caller went away before
// the notification was read; EINTR, a signal: both are the agent's to
// retry.
func RecvNotif(fd uintptr) (Notif, error) {
	var n Notif
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, fd, unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&n))); e != 0 {
		return n, e
	}
	return n, nil
}

// SendNotifResp answers a notification (SECCOMP_IOCTL_NOTIF_SEND).
func SendNotifResp(fd uintptr, r NotifResp) error {
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, fd, unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&r))); e != 0 {
		return e
	}
	return nil
}
