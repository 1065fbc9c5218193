package container

import (
	"encoding/json"
	"errors"
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

// spawned is a container init that has reported ready.
type spawned struct {
	pid       int
	startTime uint64
}

// spawnRequest is everything spawn needs.
type spawnRequest struct {
	spec    *specs.Spec
	ns      *nsPlan
	cg      *cgroups.Manager
	start   *os.File // listening start socket
	console *os.File // connected console socket, or nil
	cfg     initproto.Config
	opts    *CreateOptions
	bundle  string
}

// spawn starts the init (this binary, re-executed), walks it through the
// nsenter bootstrap and sends it its Config. On error every process it
// started is killed and reaped.
func spawn(r *spawnRequest) (*spawned, error) {
	parent, child, err := socketPair()
	if err != nil {
		return nil, err
	}
	defer parent.Close()

	// fds in the init: 0-2 stdio, 3.. the preserved fds, then ours.
	var extra []*os.File
	for i := 0; i < r.opts.PreserveFDs; i++ {
		extra = append(extra, os.NewFile(uintptr(3+i), fmt.Sprintf("preserved-%d", 3+i)))
	}
	fdOf := func(f *os.File) int { extra = append(extra, f); return 2 + len(extra) }
	sockFD := fdOf(child)
	r.cfg.StartFD = fdOf(r.start)
	r.cfg.ConsoleFD = -1
	if r.console != nil {
		r.cfg.ConsoleFD = fdOf(r.console)
	}
	boot := initproto.Bootstrap{CloneFlags: r.ns.cloneFlags, TimeOffsets: r.ns.timeOffs}
	for i, f := range r.ns.joins {
		boot.Joins = append(boot.Joins, initproto.Join{FD: fdOf(f), Type: r.ns.joinTypes[i]})
	}

	self, err := os.Executable()
	if err != nil {
		self = "/proc/self/exe"
	}
	cmd := &exec.Cmd{
		Path: "/proc/self/exe",
		Args: []string{self, "init", r.cfg.ID},
		Env:  []string{fmt.Sprintf("%s=%d", initproto.EnvInit, sockFD)},
		// Relative bind mount sources are relative to the bundle.
		Dir:        r.bundle,
		Stdin:      r.opts.Stdin,
		Stdout:     r.opts.Stdout,
		Stderr:     r.opts.Stderr,
		ExtraFiles: extra,
	}
	if err := cmd.Start(); err != nil {
		child.Close()
		return nil, cerr.Op("start init", self, err)
	}
	child.Close()

	initPid := 0
	fail := func(err error) (*spawned, error) {
		if initPid > 0 {
			unix.Kill(initPid, unix.SIGKILL)
			var ws unix.WaitStatus
			unix.Wait4(initPid, &ws, 0, nil)
		}
		cmd.Process.Kill()
		cmd.Wait()
		return nil, err
	}

	// The intermediate joins the cgroup before it makes anything, so the
	// init and the cgroup namespace's root are the container's cgroup.
	if err := r.cg.Apply(cmd.Process.Pid); err != nil {
		return fail(err)
	}
	if _, err := parent.Write(boot.Encode()); err != nil {
		return fail(cerr.Op("bootstrap init", "", err))
	}
	for initPid == 0 {
		rep, err := initproto.ReadBootReply(parent)
		if err != nil {
			return fail(cerr.Op("bootstrap init", "", err))
		}
		switch rep.Kind {
		case 'U':
			if err := writeIDMaps(cmd.Process.Pid, r.spec.Linux.UIDMappings, r.spec.Linux.GIDMappings); err != nil {
				return fail(err)
			}
			if _, err := parent.Write([]byte{'u'}); err != nil {
				return fail(cerr.Op("bootstrap init", "", err))
			}
		case 'P':
			initPid = rep.Pid
		case 'E':
			return fail(cerr.Op("namespaces", "", rep.Err))
		}
	}
	if err := cmd.Wait(); err != nil {
		return fail(cerr.Op("bootstrap init", "", err))
	}
	st, _, err := state.ProcStartTime(initPid)
	if err != nil {
		return fail(cerr.Op("read init start time", fmt.Sprintf("/proc/%d/stat", initPid), err))
	}

	if err := json.NewEncoder(parent).Encode(&r.cfg); err != nil {
		return fail(cerr.Op("send config to init", "", err))
	}
	var rep initproto.Reply
	if err := json.NewDecoder(parent).Decode(&rep); err != nil {
		return fail(cerr.Op("wait for init", "", fmt.Errorf("init exited before it was ready: %w", err)))
	}
	if !rep.Ready {
		msg := rep.Error
		if msg == "" {
			msg = "init failed"
		}
		return fail(&cerr.Error{Op: rep.Op, Path: rep.Path, Err: errors.New(msg)})
	}
	return &spawned{pid: initPid, startTime: st}, nil
}

func socketPair() (parent, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, cerr.Op("socketpair", "", err)
	}
	return os.NewFile(uintptr(fds[0]), "init-parent"), os.NewFile(uintptr(fds[1]), "init-child"), nil
}
