package container

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cgroups"
	"github.com/ocikit/ocikit/internal/initproto"
	"github.com/ocikit/ocikit/internal/process"
	"github.com/ocikit/ocikit/internal/state"
)

// launcher starts this binary, re-executed, as a container init (create)
// or an exec'd process (exec), and walks it through the nsenter bootstrap.
// The fds it hands over are numbered from 3: first the preserved fds, then
// the init's socket, then the sealed executable, then whatever add() is
// given, in order.
type launcher struct {
	extra  []*os.File
	sock   *os.File // the runtime's end of the init socket
	child  *os.File
	sockFD int
	// exe is the runtime binary, sealed (sealedExe): the child is
	// started from it, never from the host's file, and exeFD is its
	// number in the child, which the init execs again to wait for the
	// start (Config.ExeFD).
	exe   *os.File
	exeFD int
	boot  initproto.Bootstrap
	// up is set once the init's initproto.Hello is read (awaitUp).
	up bool
}

func newLauncher(preserveFDs int) (*launcher, error) {
	exe, err := sealedExe()
	if err != nil {
		return nil, cerr.Op("seal the runtime's executable", "", err)
	}
	parent, child, err := socketPair()
	if err != nil {
		exe.Close()
		return nil, err
	}
	l := &launcher{sock: parent, child: child, exe: exe}
	for i := 0; i < preserveFDs; i++ {
		l.extra = append(l.extra, os.NewFile(uintptr(3+i), fmt.Sprintf("preserved-%d", 3+i)))
	}
	l.sockFD = l.add(child)
	l.exeFD = l.add(exe)
	return l, nil
}

// add hands f to the init and returns its fd number there.
func (l *launcher) add(f *os.File) int {
	l.extra = append(l.extra, f)
	return 2 + len(l.extra)
}

// join adds the namespaces to join.
func (l *launcher) join(files []*os.File, types []uintptr) {
	for i, f := range files {
		l.boot.Joins = append(l.boot.Joins, initproto.Join{FD: l.add(f), Type: types[i]})
	}
}

func (l *launcher) close() {
	l.sock.Close()
	l.child.Close()
	l.exe.Close()
}

// launched is a process the bootstrap has put in place: a child of this
// process (nsenter forks it with CLONE_PARENT).
type launched struct {
	pid       int
	startTime uint64
}

// kill kills and reaps the launched process.
func (p *launched) kill() { killAndReap(p.pid) }

// launchRequest is what launch needs beyond the fds.
type launchRequest struct {
	name                  string // shown as argv[1] in ps
	id                    string
	dir                   string
	stdin, stdout, stderr *os.File
	cg                    *cgroups.Manager
	uidMaps, gidMaps      []specs.LinuxIDMapping
	// initialCPUs is process.execCPUAffinity.initial: the CPUs the
	// process runs on from its first instruction, before it joins the
	// container's cgroups (exec only; empty leaves the runtime's).
	initialCPUs string
	// lateCgroup leaves the process out of the container's cgroups: the
	// caller moves it in once it is up (awaitUp), as exec does where a
	// pids limit may leave no room for its forks and threads.
	lateCgroup bool
}

// launch starts the process and runs the bootstrap until the final
// process exists. On error every process it started is gone.
//
// The process joins the container's cgroups before it makes anything, so
// the final process and a new cgroup namespace's root are the container's
// cgroup. It does so itself wherever it can (cgroups.SelfJoin tells why
// that is much faster than moving it from here): it is started in the v2
// cgroup by clone3, and the nsenter constructor moves it into each v1
// cgroup through the "tasks" file handed over, first thing, before any
// namespace. What it cannot join itself this process moves it into before
// sending the bootstrap, as it always did.
func (l *launcher) launch(r *launchRequest) (*launched, error) {
	self, err := os.Executable()
	if err != nil {
		self = "/proc/self/exe"
	}
	var join *cgroups.SelfJoin
	if r.lateCgroup {
		join = r.cg.NoSelfJoin()
	} else {
		join = r.cg.OpenSelfJoin()
	}
	defer join.Close()
	for _, f := range join.Tasks {
		l.boot.CgroupTasks = append(l.boot.CgroupTasks, l.add(f))
	}
	restore, err := pinThread(r.initialCPUs)
	if err != nil {
		return nil, err
	}
	cmd := l.command(r, self, join.Dir)
	err = cmd.Start()
	if err != nil && join.Dir != nil {
		// Old kernels have no clone3 (ENOSYS) or no CLONE_INTO_CGROUP
		// (EINVAL), and a cgroup may refuse a process at fork (EBUSY
		// with controllers enabled for its children, EOPNOTSUPP for an
		// invalid domain, EACCES across delegation boundaries). Go
		// reports a failed clone like a failed execve, so any error is
		// retried the old way, which fails with today's error if the
		// cause was not the cgroup.
		join.DirRefused(err)
		cmd = l.command(r, self, nil)
		err = cmd.Start()
	}
	restore()
	if err != nil {
		return nil, cerr.Op("start init", self, err)
	}
	l.child.Close()
	l.exe.Close()
	join.Close()

	pid := 0
	fail := func(err error) (*launched, error) {
		if pid > 0 {
			killAndReap(pid)
		}
		cmd.Process.Kill()
		cmd.Wait()
		return nil, err
	}
	if err := join.ApplyRest(cmd.Process.Pid); err != nil {
		return fail(err)
	}
	if _, err := l.sock.Write(l.boot.Encode()); err != nil {
		return fail(cerr.Op("bootstrap init", "", err))
	}
	for pid == 0 {
		rep, err := initproto.ReadBootReply(l.sock)
		if err != nil {
			return fail(cerr.Op("bootstrap init", "", err))
		}
		switch rep.Kind {
		case 'U':
			if err := writeIDMaps(cmd.Process.Pid, r.uidMaps, r.gidMaps); err != nil {
				return fail(err)
			}
			if _, err := l.sock.Write([]byte{'u'}); err != nil {
				return fail(cerr.Op("bootstrap init", "", err))
			}
		case 'P':
			pid = rep.Pid
		case initproto.Hello:
			l.up = true
		case 'E':
			return fail(cerr.Op("bootstrap init", "", explainBootError(rep.Err)))
		}
	}
	if err := cmd.Wait(); err != nil {
		return fail(cerr.Op("bootstrap init", "", err))
	}
	st, _, err := state.ProcStartTime(pid)
	if err != nil {
		return fail(cerr.Op("read init start time", fmt.Sprintf("/proc/%d/stat", pid), err))
	}
	return &launched{pid: pid, startTime: st}, nil
}

// awaitUp waits for the init's initproto.Hello, when launch has not read
// it already: from then on the init has the threads it needs to set the
// container up, and waits for its Config.
func (l *launcher) awaitUp() error {
	for !l.up {
		rep, err := initproto.ReadBootReply(l.sock)
		if err != nil {
			return err
		}
		if rep.Kind != initproto.Hello {
			return fmt.Errorf("unexpected message %q from init", rep.Kind)
		}
		l.up = true
	}
	return nil
}

// command is the re-executed process; cgroupDir, when set, is the v2
// cgroup to start it in.
//
// It is started through the sealed executable's fd in the child, not
// /proc/self/exe: the path is resolved in the forked child, on the host,
// after the child's fds are in place, so the process it becomes has the
// sealed file as its executable (and /proc/PID/exe leads there). argv[0]
// stays the binary's host path, for ps.
func (l *launcher) command(r *launchRequest, self string, cgroupDir *os.File) *exec.Cmd {
	cmd := &exec.Cmd{
		Path:       fmt.Sprintf("/proc/self/fd/%d", l.exeFD),
		Args:       []string{self, r.name, r.id},
		Env:        []string{fmt.Sprintf("%s=%d", initproto.EnvInit, l.sockFD)},
		Dir:        r.dir,
		Stdin:      r.stdin,
		Stdout:     r.stdout,
		Stderr:     r.stderr,
		ExtraFiles: l.extra,
	}
	if cgroupDir != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(cgroupDir.Fd())}
	}
	return cmd
}

// pinThread binds the calling goroutine's OS thread to the CPUs of list
// (process.execCPUAffinity.initial) so that a process forked from it
// starts there: fork copies the forking thread's affinity, and Go's
// exec forks from the calling thread. The returned function puts the
// thread's own mask back and unlocks it; it must be called once the
// child is started. An empty list does nothing.
//
// A thread whose mask cannot be put back stays locked: the goroutine
// keeps it, and Go ends it with the goroutine instead of handing the
// narrowed thread to other goroutines.
func pinThread(list string) (restore func(), err error) {
	if list == "" {
		return func() {}, nil
	}
	runtime.LockOSThread()
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	if err := process.SetAffinity(0, list, "process.execCPUAffinity.initial"); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	return func() {
		if unix.SchedSetaffinity(0, &old) == nil {
			runtime.UnlockOSThread()
		}
	}, nil
}

func socketPair() (parent, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, cerr.Op("socketpair", "", err)
	}
	return os.NewFile(uintptr(fds[0]), "init-parent"), os.NewFile(uintptr(fds[1]), "init-child"), nil
}
