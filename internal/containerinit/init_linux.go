package containerinit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/initproto"
	_ "github.com/ocikit/ocikit/internal/nsenter" // the namespace step, before the Go runtime starts
	"github.com/ocikit/ocikit/internal/process"
	"github.com/ocikit/ocikit/internal/rootfs"
	"github.com/ocikit/ocikit/internal/seccomp"
	"github.com/ocikit/ocikit/internal/tty"
)

func init() {
	// Credentials and capabilities are per thread: the init's whole
	// setup and its execve run on the main thread, locked here before
	// main starts.
	if initproto.IsInit() {
		runtime.LockOSThread()
	}
}

// RunIfInit runs the container init and never returns when this process
// was started as one; otherwise it returns at once. Call it first in main
// of every tool that creates containers.
func RunIfInit() {
	v, ok := os.LookupEnv(initproto.EnvInit)
	if !ok {
		return
	}
	os.Unsetenv(initproto.EnvInit)
	fd, err := strconv.Atoi(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ocikit init: bad %s=%q\n", initproto.EnvInit, v)
		os.Exit(1)
	}
	sock := os.NewFile(uintptr(fd), "init-socket")
	code := run(sock)
	os.Exit(code)
}

func run(sock *os.File) int {
	// The process runs the runtime's code until it execs the program,
	// from a read-only clone or sealed copy of the binary (so its
	// /proc/PID/exe cannot be written, CVE-2019-5736), but with the
	// runtime's memory and fds. Not dumpable (the constructor made it so
	// before the fork; this is the same call again for any path that did
	// not), no process of the container, with the same user and
	// capabilities, may read its memory or reach its fds through /proc;
	// execve makes the program dumpable as usual.
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		fmt.Fprintf(os.Stderr, "ocikit init: make the process non-dumpable: %v\n", err)
		return 1
	}
	// The runtime reads this before it sends the Config (see
	// initproto.Hello): an exec'd process it moves into its cgroup only
	// now has the threads it needs.
	if _, err := sock.Write([]byte{initproto.Hello}); err != nil {
		fmt.Fprintf(os.Stderr, "ocikit init: say hello: %v\n", err)
		return 1
	}
	var cfg initproto.Config
	dec := json.NewDecoder(sock)
	if err := dec.Decode(&cfg); err != nil {
		fmt.Fprintf(os.Stderr, "ocikit init: read config: %v\n", err)
		return 1
	}
	if cfg.Exec {
		return runExec(&cfg, sock)
	}
	pr, err := setup(&cfg, newRuntimeLink(sock, dec))
	if err != nil {
		sendError(sock, err)
		return 1
	}
	var w *waiterExec
	if waiterFits(&cfg, pr.early) {
		if w, err = prepareWaiter(&cfg, pr); err != nil {
			sendError(sock, err)
			return 1
		}
	}
	if err := json.NewEncoder(sock).Encode(initproto.Reply{Ready: true}); err != nil {
		return 1
	}
	sock.Close()
	if w != nil {
		// The exec into the waiter is off the runtime's clock: a start
		// request meanwhile waits in the socket's backlog. It returns
		// only if the exec failed; then this process waits itself.
		err := w.exec()
		fmt.Fprintf(os.Stderr, "ocikit init: %v; waiting in Go instead\n", err)
	}
	return waitAndExec(&cfg, pr.start, pr.path, pr.filter)
}

// prepared is the init set up and ready to wait: the start listener, the
// resolved program path, and the seccomp filter when it is to be loaded
// right before execve. early is the filter loaded already, before the
// credentials changed, if any.
type prepared struct {
	start  *os.File
	path   string
	filter *seccomp.Program
	early  *seccomp.Program
}

// buildRoot builds and enters the container's root filesystem and writes
// its sysctls, returning the console pair when the process has a
// terminal. Without a mount namespace of its own the container inherits
// the runtime's (the spec says so), where nothing may be mounted: as runc
// does, the process only chroots into the root filesystem (the runtime
// refused the spec at create if it asked for masked or read-only paths).
// The create-time hooks run right before the root is entered.
func buildRoot(cfg *initproto.Config, link *runtimeLink) (master, slave *os.File, err error) {
	s := cfg.Spec
	before := beforePivot(cfg, link)
	if cfg.NoMountNS {
		if s.Linux != nil {
			if err := writeSysctls(s.Linux.Sysctl); err != nil {
				return nil, nil, err
			}
		}
		if before != nil {
			if err := before(); err != nil {
				return nil, nil, err
			}
		}
		if err := unix.Chroot(cfg.Rootfs); err != nil {
			return nil, nil, cerr.Op("chroot", cfg.Rootfs, err)
		}
		if err := unix.Chdir("/"); err != nil {
			return nil, nil, cerr.Op("chdir", "/", err)
		}
		if !s.Process.Terminal {
			return nil, nil, nil
		}
		root, err := os.OpenFile("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, nil, cerr.Op("open", "/", err)
		}
		defer root.Close()
		return rootfs.NewConsole(root)
	}
	res, err := rootfs.Setup(&rootfs.Config{
		Spec:        s,
		Rootfs:      cfg.Rootfs,
		NoPivot:     cfg.NoPivot,
		UserNS:      cfg.UserNS,
		CgroupNS:    cfg.CgroupNS,
		CgroupPaths: cfg.CgroupPaths,
		Terminal:    s.Process.Terminal,
		IDMapped:    cfg.IDMapped,
		BeforePivot: before,
		AfterPivot: func() error {
			if s.Linux == nil {
				return nil
			}
			return writeSysctls(s.Linux.Sysctl)
		},
	})
	if err != nil {
		return nil, nil, err
	}
	if s.Process.Terminal && (res == nil || res.ConsoleMaster == nil || res.ConsoleSlave == nil) {
		return nil, nil, errors.New("terminal requested but no console was made")
	}
	if res == nil {
		return nil, nil, nil
	}
	return res.ConsoleMaster, res.ConsoleSlave, nil
}

// sendError reports err to the runtime, keeping the operation and path as
// fields for JSON error output.
func sendError(sock *os.File, err error) {
	json.NewEncoder(sock).Encode(errorReply(err))
}

// errorReply is the Reply carrying err.
func errorReply(err error) initproto.Reply {
	if ce, ok := err.(*cerr.Error); ok && ce.Err != nil {
		return initproto.Reply{Error: ce.Err.Error(), Op: ce.Op, Path: ce.Path}
	}
	return initproto.Reply{Error: err.Error()}
}

// setup does everything up to "ready".
func setup(cfg *initproto.Config, link *runtimeLink) (*prepared, error) {
	s := cfg.Spec
	if s.Process == nil || len(s.Process.Args) == 0 {
		return nil, errors.New("process.args is empty")
	}
	filter, err := prepareSeccomp(s)
	if err != nil {
		return nil, err
	}
	start := os.NewFile(uintptr(cfg.StartFD), "start-socket")
	if cfg.NewKeyring {
		if err := joinSessionKeyring(cfg.ID); err != nil {
			return nil, err
		}
	}
	if s.Hostname != "" {
		if err := unix.Sethostname([]byte(s.Hostname)); err != nil {
			return nil, cerr.Op("set hostname", s.Hostname, err)
		}
	}
	if s.Domainname != "" {
		if err := unix.Setdomainname([]byte(s.Domainname)); err != nil {
			return nil, cerr.Op("set domainname", s.Domainname, err)
		}
	}
	if err := bringUpLoopback(s); err != nil {
		return nil, err
	}
	master, slave, err := buildRoot(cfg, link)
	if err != nil {
		return nil, err
	}
	if s.Process.Terminal {
		if err := setupConsole(cfg, master, slave); err != nil {
			return nil, err
		}
	} else if _, err := unix.Setsid(); err != nil {
		// Without a terminal too the init leads a session of its own,
		// as runc's does: it stays out of the creating tool's session
		// (and its terminal's job control), and criu can dump a tree
		// whose session leader it holds.
		return nil, cerr.Op("setsid", "", err)
	}
	// Everything the user program must not inherit is close-on-exec from
	// here on; fds 3..3+PreserveFDs-1 were handed over on purpose. This
	// comes before the seccomp filter may be loaded, which could deny
	// close_range, and before the process's credentials change.
	if err := process.CloseExecFrom(3 + cfg.PreserveFDs); err != nil {
		return nil, err
	}
	if err := applyAttrs(s); err != nil {
		return nil, err
	}
	compiled := filter
	filter, err = setupProcess(s.Process, filter, link.sendListener)
	if err != nil {
		return nil, err
	}
	path, err := process.LookPath(s.Process.Args[0], s.Process.Env)
	if err != nil {
		// LookPath's message already reads `exec "ARG0": reason`: keep
		// the operation and path as fields and say the reason once.
		if inner := errors.Unwrap(err); inner != nil {
			err = inner
		}
		return nil, cerr.Op("exec", s.Process.Args[0], err)
	}
	pr := &prepared{start: start, path: path, filter: filter}
	if compiled != nil && filter == nil {
		pr.early = compiled
	}
	return pr, nil
}

// applyAttrs applies what the program inherits through execve besides
// its credentials: the personality, the memory policy (of this thread,
// the one that execs) and the security labels for the exec. All come
// before setupProcess: a filter it may load early could deny
// personality() or the attr writes, and the label is written while the
// init still holds the runtime's privileges. Nothing is exec'd from this
// thread after this but the program (waiterFits keeps the waiter out when
// a label is set) and the startContainer hooks, which run confined as the
// program does.
func applyAttrs(s *specs.Spec) error {
	if l := s.Linux; l != nil {
		if err := process.SetPersonality(l.Personality); err != nil {
			return err
		}
		if err := process.SetMemoryPolicy(l.MemoryPolicy); err != nil {
			return err
		}
	}
	return process.SetExecLabel(s.Process.ApparmorProfile, s.Process.SelinuxLabel)
}

// setupConsole makes the pty slave the process's controlling terminal and
// stdio, and hands the master to whoever holds the console socket.
func setupConsole(cfg *initproto.Config, master, slave *os.File) error {
	if cfg.ConsoleFD < 0 {
		return errors.New("terminal requested but no console socket was given")
	}
	if err := tty.ApplyConsoleSize(slave, cfg.Spec.Process.ConsoleSize); err != nil {
		return cerr.Op("set console size", "", err)
	}
	csock := os.NewFile(uintptr(cfg.ConsoleFD), "console-socket")
	if err := tty.SendConsole(csock, master); err != nil {
		return cerr.Op("send console", "", err)
	}
	csock.Close()
	master.Close()
	if _, err := unix.Setsid(); err != nil {
		return cerr.Op("setsid", "", err)
	}
	sfd := int(slave.Fd())
	if err := unix.IoctlSetInt(sfd, unix.TIOCSCTTY, 0); err != nil {
		return cerr.Op("set controlling terminal", slave.Name(), err)
	}
	for i := 0; i < 3; i++ {
		if err := unix.Dup3(sfd, i, 0); err != nil {
			return cerr.Op("dup console", slave.Name(), err)
		}
	}
	slave.Close()
	return nil
}

// waitAndExec accepts connections on the start socket until one asks to
// start, then runs the startContainer hooks and execs the program. The
// hooks' output and, on failure, the error go back on the connection as
// Replies.
func waitAndExec(cfg *initproto.Config, start *os.File, path string, filter *seccomp.Program) int {
	for {
		nfd, _, err := unix.Accept4(int(start.Fd()), unix.SOCK_CLOEXEC)
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "ocikit init: accept on start socket: %v\n", err)
			return 1
		}
		conn := os.NewFile(uintptr(nfd), "start-conn")
		buf := make([]byte, len(initproto.StartRequest))
		n, _ := readFull(conn, buf)
		if string(buf[:n]) != initproto.StartRequest {
			conn.Close()
			continue
		}
		start.Close()
		enc := json.NewEncoder(conn)
		fail := func(err error, code int) int {
			enc.Encode(errorReply(err))
			conn.Close()
			return code
		}
		// A failed hook fails the start and the init exits, leaving the
		// container stopped, as runc does.
		if err := runStartHooks(cfg, enc); err != nil {
			return fail(err, 1)
		}
		// The filter goes in as late as it can: under it, the runtime
		// only execs (Go's exec may first restore RLIMIT_NOFILE) and,
		// if that fails, reports the error.
		if filter != nil {
			if err := filter.Load(); err != nil {
				return fail(err, 1)
			}
		}
		p := cfg.Spec.Process
		// Exec's error already reads `exec "PATH": reason`.
		return fail(process.Exec(path, p.Args, p.Env), 127)
	}
}

func readFull(f *os.File, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := f.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
