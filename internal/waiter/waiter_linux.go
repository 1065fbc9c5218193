package waiter

// #cgo CFLAGS: -Wall -Wextra -Wno-unused-parameter -O2
// #include <sys/resource.h>
// extern struct rlimit ocikit_orig_nofile;
// extern int ocikit_orig_nofile_ok;
import "C"

import "syscall"

// OrigNofile returns the RLIMIT_NOFILE the process was started with,
// before the Go runtime raised its soft limit, when this process is a
// container init (the value is recorded only then).
func OrigNofile() (syscall.Rlimit, bool) {
	if C.ocikit_orig_nofile_ok == 0 {
		return syscall.Rlimit{}, false
	}
	return syscall.Rlimit{Cur: uint64(C.ocikit_orig_nofile.rlim_cur), Max: uint64(C.ocikit_orig_nofile.rlim_max)}, true
}
