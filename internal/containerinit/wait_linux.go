package containerinit

import (
	"fmt"
	"os"
	"slices"
	"syscall"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/hooks"
	"github.com/ocikit/ocikit/internal/initproto"
	"github.com/ocikit/ocikit/internal/seccomp"
	"github.com/ocikit/ocikit/internal/waiter"
)

// waiterFits reports whether the waiting can be left to the small C
// waiter (package waiter). It need not when the start follows at once
// (oci-run); it cannot when something must still run in Go after the
// start (startContainer hooks), or when a seccomp filter loaded
// already (early, before the credentials changed) would deny the calls of
// the hand-over and of the waiter, which it was not written for. Nor
// when the spec limits the address space or the data segment: those
// rlimits are in force by now, below what the Go runtime has already
// mapped, so any heap growth (compiling the filter, the hand-over) would
// kill the init with "out of memory"; the Go init then waits with the
// little it still allocates, as before the waiter existed. Nor with an
// AppArmor profile or SELinux label: the kernel applies it at the
// thread's next execve, which would be the waiter's, so the waiter would
// be confined and the program's label left to the profile's exec rules.
func waiterFits(cfg *initproto.Config, early *seccomp.Program) bool {
	if cfg.ExeFD <= 0 || cfg.StartsAtOnce || hooks.Any(cfg.Spec, hooks.StartContainer) {
		return false
	}
	if p := cfg.Spec.Process; p.ApparmorProfile != "" || p.SelinuxLabel != "" {
		return false
	}
	if setsRlimit(cfg.Spec.Process.Rlimits, "RLIMIT_AS", "RLIMIT_DATA") {
		return false
	}
	return early == nil || filterLetsWaiterRun(cfg.Spec.Linux.Seccomp, early)
}

// waiterExec is the hand-over to the waiter, prepared: everything that
// can fail for a reason of the container's is done before the init says
// ready, so that afterwards only the exec itself can fail.
type waiterExec struct {
	exeFD, reqFD int
	argv, env    []string
}

// prepareWaiter writes the waiter's request (the program, and the filter
// when it is still to be loaded) to a sealed memfd, lets the start socket
// survive the exec, and puts back the RLIMIT_NOFILE the init started with.
func prepareWaiter(cfg *initproto.Config, pr *prepared) (*waiterExec, error) {
	p := cfg.Spec.Process
	// The program starts with the signal mask this thread has now; the
	// hand-over blocks a few signals (exec) and the waiter puts this back.
	var cur unix.Sigset_t
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, nil, &cur); err != nil {
		return nil, cerr.Op("read the signal mask", "", err)
	}
	req := initproto.WaitRequest{Path: pr.path, Args: p.Args, Env: p.Env, SigMask: cur.Val[0]}
	if pr.filter != nil {
		req.Filter, req.FilterFlags = pr.filter.Insns, pr.filter.Flags
	}
	blob, err := req.Encode()
	if err != nil {
		return nil, err
	}
	// Not close-on-exec, and left open: it is the waiter's to read and
	// close. Should the exec fail, the Go init execs the program with it
	// marked close-on-exec like every other fd from here.
	reqFD, err := sealedFile("ocikit-exec", blob)
	if err != nil {
		return nil, err
	}
	// Everything from 3 + PreserveFDs up is close-on-exec by now: the
	// waiter needs the start socket, and closes it before the program
	// runs.
	startFD := int(pr.start.Fd())
	if _, err := unix.FcntlInt(uintptr(startFD), unix.F_SETFD, 0); err != nil {
		unix.Close(reqFD)
		return nil, cerr.Op("hand over to the waiting init", "", err)
	}
	if !setsRlimit(p.Rlimits, "RLIMIT_NOFILE") {
		// What syscall.Exec would do: the program gets the limit the
		// init started with, not the one Go raised.
		if orig, ok := waiter.OrigNofile(); ok {
			if err := syscall.Setrlimit(unix.RLIMIT_NOFILE, &orig); err != nil {
				unix.Close(reqFD)
				return nil, cerr.Op("restore RLIMIT_NOFILE", "", err)
			}
		}
	}
	return &waiterExec{exeFD: cfg.ExeFD, reqFD: reqFD, argv: os.Args, env: []string{initproto.WaitEnv(startFD, reqFD)}}, nil
}

// waiterSignals are the signals the waiter catches (waiter.c): they end
// a created container, as they end the Go init.
var waiterSignals = []unix.Signal{unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGABRT, unix.SIGTERM}

// exec replaces the Go init by the waiter. It returns only on failure,
// with the request fd marked close-on-exec again.
func (w *waiterExec) exec() error {
	// From the exec to the waiter's handlers these signals have their
	// default action, which the init of a pid namespace does not take:
	// one sent then would be lost, and the created container would not
	// stop. Blocked, it stays pending across the exec; the waiter
	// restores the mask once its handlers are in. The mask is the
	// calling thread's, the one that execs.
	var block, old unix.Sigset_t
	for _, sig := range waiterSignals {
		block.Val[(sig-1)/64] |= 1 << ((uint(sig) - 1) % 64)
	}
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &block, &old); err != nil {
		unix.CloseOnExec(w.reqFD)
		return fmt.Errorf("exec the waiting init: block signals: %w", err)
	}
	err := execveat(w.exeFD, w.argv, w.env)
	unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	unix.CloseOnExec(w.reqFD)
	return fmt.Errorf("exec the waiting init: %w", err)
}

// sealedFile returns a memfd holding data, sealed against every change.
// It is not close-on-exec: it is for the waiter.
func sealedFile(name string, data []byte) (int, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_ALLOW_SEALING)
	if err != nil {
		return -1, cerr.Op("memfd_create", name, err)
	}
	for off := 0; off < len(data); {
		n, err := unix.Write(fd, data[off:])
		if err != nil {
			unix.Close(fd)
			return -1, cerr.Op("write", name, err)
		}
		off += n
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		unix.Close(fd)
		return -1, cerr.Op("seal", name, err)
	}
	return fd, nil
}

// setsRlimit reports whether rl sets any of the rlimit types.
func setsRlimit(rl []specs.POSIXRlimit, types ...string) bool {
	for _, r := range rl {
		if slices.Contains(types, r.Type) {
			return true
		}
	}
	return false
}

// execveat execs the file open at fd. It is a raw system call on the
// calling thread, which holds the init's credentials (the main thread,
// locked at start-up); execve ends every other thread.
func execveat(fd int, argv, env []string) error {
	empty, err := syscall.BytePtrFromString("")
	if err != nil {
		return err
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return err
	}
	envp, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return err
	}
	_, _, e := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(empty)),
		uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])), unix.AT_EMPTY_PATH, 0)
	return fmt.Errorf("execveat: %w", e)
}
