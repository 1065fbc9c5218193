package seccomp

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Program is a finished filter, ready to load.
type Program struct {
	Insns []unix.SockFilter
	// Flags are the SECCOMP_FILTER_FLAG_* bits for seccomp(2).
	Flags uint
}

// Finish makes the Program for p out of filter, the BPF libseccomp
// compiled from p's rules, and last, the largest system call number p
// names on each architecture: it puts the ENOSYS stub in front when p
// needs one, and checks that the result lets the runtime start the
// container's process.
func (p *Profile) Finish(filter []unix.SockFilter, last map[string]uint32) (*Program, error) {
	for _, name := range KnownFlags() {
		if bits := flagBits[name]; bits != 0 && p.Flags&bits != 0 && !kernelAccepts(bits) {
			return nil, fmt.Errorf("linux.seccomp.flags: %s is not supported by this kernel", name)
		}
	}
	insns := filter
	if p.needsStub() {
		stub, err := enosysStub(p.Archs, last)
		if err != nil {
			return nil, err
		}
		insns = append(stub, filter...)
	}
	if len(insns) > maxInsns {
		return nil, fmt.Errorf("linux.seccomp: the filter has %d instructions, more than the kernel's limit of %d", len(insns), maxInsns)
	}
	prog := &Program{Insns: insns, Flags: p.Flags}
	if err := prog.checkExec(p); err != nil {
		return nil, err
	}
	return prog, nil
}

// checkExec refuses a filter that denies execve. The runtime loads the
// filter and then calls execve to start the container's process; if the
// filter refused that call the failure would surface late and obscurely
// (with a kill action, as a dead thread the runtime cannot even report), so
// it is reported before anything is loaded. A profile whose execve rules
// test arguments is let through: those arguments are pointers only known
// at the call.
func (prog *Program) checkExec(p *Profile) error {
	native, ok := NativeArch()
	if !ok || p.Conditional("execve") {
		return nil
	}
	ret, err := Eval(prog.Insns, Data{Nr: int32(unix.SYS_EXECVE), Arch: native.Audit})
	if err != nil {
		return fmt.Errorf("linux.seccomp: %w", err)
	}
	switch ActionOf(ret) {
	case unix.SECCOMP_RET_ALLOW, unix.SECCOMP_RET_LOG, unix.SECCOMP_RET_TRACE:
		// TRACE leaves the decision to a tracer, which may allow it.
		return nil
	}
	return fmt.Errorf("linux.seccomp: the profile denies execve (%s), which the runtime needs after loading the filter to start the container's process", Describe(ret))
}

// Describe names the action of a SECCOMP_RET_* value as the spec does.
func Describe(ret uint32) string {
	data := ret & unix.SECCOMP_RET_DATA
	switch ActionOf(ret) {
	case unix.SECCOMP_RET_KILL_PROCESS:
		return "SCMP_ACT_KILL_PROCESS"
	case unix.SECCOMP_RET_KILL_THREAD:
		return "SCMP_ACT_KILL_THREAD"
	case unix.SECCOMP_RET_TRAP:
		return "SCMP_ACT_TRAP"
	case unix.SECCOMP_RET_ERRNO:
		return fmt.Sprintf("SCMP_ACT_ERRNO %d, %v", data, unix.Errno(data))
	case unix.SECCOMP_RET_TRACE:
		return fmt.Sprintf("SCMP_ACT_TRACE %d", data)
	case unix.SECCOMP_RET_USER_NOTIF:
		return "SCMP_ACT_NOTIFY"
	case unix.SECCOMP_RET_LOG:
		return "SCMP_ACT_LOG"
	case unix.SECCOMP_RET_ALLOW:
		return "SCMP_ACT_ALLOW"
	}
	return fmt.Sprintf("action %#x", ret)
}

// Load installs the filter on the calling thread, which must be locked to
// its OS thread and be the one that calls execve: the filter is not
// synchronised to the process's other threads (execve ends them), and
// execve keeps it. Unless no_new_privs is set, the thread needs
// CAP_SYS_ADMIN in its user namespace.
//
// It is a raw system call, with nothing allocated after it returns, so the
// runtime makes as few calls as possible under the filter.
func (prog *Program) Load() error {
	if len(prog.Insns) == 0 {
		return errors.New("load seccomp filter: empty program")
	}
	fprog := unix.SockFprog{Len: uint16(len(prog.Insns)), Filter: &prog.Insns[0]}
	_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(prog.Flags), uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(prog.Insns)
	switch {
	case e == 0:
		return nil
	case e == unix.EACCES:
		return fmt.Errorf("load seccomp filter: %w (it needs no_new_privs or CAP_SYS_ADMIN)", e)
	case e == unix.EINVAL && prog.Flags != 0:
		return fmt.Errorf("load seccomp filter with flags %#x: %w (flags this kernel may not support)", prog.Flags, e)
	}
	return fmt.Errorf("load seccomp filter: %w", e)
}

// SupportedFlags lists the known filter flags the running kernel accepts.
// Each is asked of seccomp(2) with no program: the kernel checks the flags
// first and answers EINVAL for one it does not know, EFAULT for the
// missing program otherwise, so nothing is loaded and no privilege is
// needed.
func SupportedFlags() []string {
	var out []string
	for _, name := range KnownFlags() {
		bits := flagBits[name]
		switch name {
		case FlagTsync:
			bits = unix.SECCOMP_FILTER_FLAG_TSYNC
		case FlagWaitKillableRecv:
			// The kernel takes it only with a listener.
			bits = unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		}
		if kernelAccepts(bits) {
			out = append(out, name)
		}
	}
	return out
}

func kernelAccepts(flags uint) bool {
	_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), 0)
	return e == unix.EFAULT
}
