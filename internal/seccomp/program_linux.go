package seccomp

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Program is a finished filter, ready to load.
type Program struct {
	Insns []unix.SockFilter
	// Flags are the SECCOMP_FILTER_FLAG_* bits for seccomp(2).
	Flags uint
	// Notify: the filter returns SCMP_ACT_NOTIFY for some calls and must
	// be loaded with LoadListener, which makes the listener those calls
	// wait on.
	Notify bool
}

// Finish makes the Program for p out of filter, the BPF libseccomp
// compiled from p's rules, and last, the largest system call number p
// names on each architecture: it puts the ENOSYS stub in front when p
// needs one, and checks that the result lets the runtime start the
// container's process.
func (p *Profile) Finish(filter []unix.SockFilter, last map[string]uint32) (*Program, error) {
	flags := p.Flags
	for _, name := range KnownFlags() {
		bits := flagBits[name]
		if bits == 0 || flags&bits == 0 {
			continue
		}
		if name == FlagWaitKillableRecv {
			// Only a refinement of how the process waits for its
			// listener: passed on where the kernel has it (5.19+),
			// dropped where it does not, as the spec's "where
			// supported" lets a runtime do.
			if !kernelAccepts(bits | unix.SECCOMP_FILTER_FLAG_NEW_LISTENER) {
				flags &^= bits
			}
			continue
		}
		if !kernelAccepts(bits) {
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
	prog := &Program{Insns: insns, Flags: flags, Notify: p.Notify}
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
	case unix.SECCOMP_RET_ALLOW, unix.SECCOMP_RET_LOG, unix.SECCOMP_RET_TRACE, unix.SECCOMP_RET_USER_NOTIF:
		// TRACE and NOTIFY leave the decision to a tracer or the
		// listener, which may allow it; the listener has the filter's
		// descriptor before the program is exec'd.
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
// CAP_SYS_ADMIN in its user namespace. A notifying filter is refused here:
// without its listener its calls would fail with ENOSYS, so it is loaded
// with LoadListener.
//
// It is a raw system call, with nothing allocated after it returns, so the
// runtime makes as few calls as possible under the filter.
func (prog *Program) Load() error {
	if prog.Notify {
		return errors.New("load seccomp filter: it notifies a listener; load it with LoadListener")
	}
	_, err := prog.load(prog.Flags)
	return err
}

// LoadListener installs a notifying filter as Load does, with
// SECCOMP_FILTER_FLAG_NEW_LISTENER, and returns the listener: the
// descriptor a supervisor reads the filtered calls from and answers them
// on (SECCOMP_IOCTL_NOTIF_RECV, _SEND). The kernel makes it close-on-exec,
// so the container's program never holds it; until a supervisor has it,
// a notified call waits (or fails with ENOSYS once every copy is closed).
func (prog *Program) LoadListener() (*os.File, error) {
	if !prog.Notify {
		return nil, errors.New("load seccomp filter: it has no SCMP_ACT_NOTIFY rule, so no listener")
	}
	fd, err := prog.load(prog.Flags | unix.SECCOMP_FILTER_FLAG_NEW_LISTENER)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "seccomp-listener"), nil
}

// load makes the seccomp(2) call; with NEW_LISTENER it returns the
// listener's descriptor.
func (prog *Program) load(flags uint) (int, error) {
	if len(prog.Insns) == 0 {
		return -1, errors.New("load seccomp filter: empty program")
	}
	fprog := unix.SockFprog{Len: uint16(len(prog.Insns)), Filter: &prog.Insns[0]}
	r, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(prog.Insns)
	switch {
	case e == 0:
		return int(r), nil
	case e == unix.EACCES:
		return -1, fmt.Errorf("load seccomp filter: %w (it needs no_new_privs or CAP_SYS_ADMIN)", e)
	case e == unix.EINVAL && flags != 0:
		return -1, fmt.Errorf("load seccomp filter with flags %#x: %w (flags this kernel may not support)", flags, e)
	}
	return -1, fmt.Errorf("load seccomp filter: %w", e)
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
