package container

import (
	"fmt"
	"os"
	"os/exec"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cgroups"
	"github.com/ocikit/ocikit/internal/initproto"
	"github.com/ocikit/ocikit/internal/state"
)

// launcher starts this binary, re-executed, as a container init (create)
// or an exec'd process (exec), and walks it through the nsenter bootstrap.
// The fds it hands over are numbered from 3: first the preserved fds, then
// the init's socket, then whatever add() is given, in order.
type launcher struct {
	extra  []*os.File
	sock   *os.File // the runtime's end of the init socket
	child  *os.File
	sockFD int
	boot   initproto.Bootstrap
}

func newLauncher(preserveFDs int) (*launcher, error) {
	parent, child, err := socketPair()
	if err != nil {
		return nil, err
	}
	l := &launcher{sock: parent, child: child}
	for i := 0; i < preserveFDs; i++ {
		l.extra = append(l.extra, os.NewFile(uintptr(3+i), fmt.Sprintf("preserved-%d", 3+i)))
	}
	l.sockFD = l.add(child)
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
}

// launch starts the process and runs the bootstrap until the final
// process exists. On error every process it started is gone.
func (l *launcher) launch(r *launchRequest) (*launched, error) {
	self, err := os.Executable()
	if err != nil {
		self = "/proc/self/exe"
	}
	cmd := &exec.Cmd{
		Path:       "/proc/self/exe",
		Args:       []string{self, r.name, r.id},
		Env:        []string{fmt.Sprintf("%s=%d", initproto.EnvInit, l.sockFD)},
		Dir:        r.dir,
		Stdin:      r.stdin,
		Stdout:     r.stdout,
		Stderr:     r.stderr,
		ExtraFiles: l.extra,
	}
	if err := cmd.Start(); err != nil {
		return nil, cerr.Op("start init", self, err)
	}
	l.child.Close()

	pid := 0
	fail := func(err error) (*launched, error) {
		if pid > 0 {
			killAndReap(pid)
		}
		cmd.Process.Kill()
		cmd.Wait()
		return nil, err
	}
	// The intermediate joins the cgroup before it makes anything, so the
	// final process and a new cgroup namespace's root are the container's
	// cgroup.
	if err := r.cg.Apply(cmd.Process.Pid); err != nil {
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
		case 'E':
			return fail(cerr.Op("namespaces", "", rep.Err))
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

func socketPair() (parent, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, cerr.Op("socketpair", "", err)
	}
	return os.NewFile(uintptr(fds[0]), "init-parent"), os.NewFile(uintptr(fds[1]), "init-child"), nil
}
