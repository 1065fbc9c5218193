package containerinit

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/seccomp"
)

// sysCall names a system call and its number on this architecture.
type sysCall struct {
	name string
	nr   uintptr
}

// filterLetsWaiterRun reports whether a filter already loaded (before the
// credentials changed) allows, unconditionally, every system call made
// from the hand-over to the waiter up to the program's execve: the Go
// init's (memfd, fcntl, prlimit64, execveat), the waiter's static C
// start-up and its own (accept4, read, sendto...). Most profiles, Docker's
// and Kubernetes' defaults among them, allow them all (a static program
// makes the same start-up calls); then the waiter waits in place of the
// Go runtime. A profile that denies one, or decides it by its arguments,
// keeps the Go init waiting, whose calls under the filter are the ones
// runtimes have always made. Unknown architectures keep it too.
func filterLetsWaiterRun(s *specs.LinuxSeccomp, prog *seccomp.Program) bool {
	native, ok := seccomp.NativeArch()
	if !ok || len(waiterCalls) == 0 || s == nil || prog == nil {
		return false
	}
	p, err := seccomp.Compile(s)
	if err != nil {
		return false
	}
	for _, c := range waiterCalls {
		if p.Conditional(c.name) {
			return false
		}
		ret, err := seccomp.Eval(prog.Insns, seccomp.Data{Nr: int32(c.nr), Arch: native.Audit})
		if err != nil {
			return false
		}
		switch seccomp.ActionOf(ret) {
		case unix.SECCOMP_RET_ALLOW, unix.SECCOMP_RET_LOG:
		default:
			return false
		}
	}
	return true
}
