package containerinit

import (
	"encoding/json"
	"errors"
	"os"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/initproto"
	"github.com/ocikit/ocikit/internal/process"
	"github.com/ocikit/ocikit/internal/rootfs"
)

// runExec is the exec role. The nsenter constructor has already joined
// every namespace of the container's init — joining its mount namespace
// made the container's root this process's root and working directory —
// and the runtime put the process in the container's cgroup. What is left
// is the terminal and the process's own settings, then the exec.
func runExec(cfg *initproto.Config, sock *os.File) int {
	// Nothing but the runtime's answer to a listener comes on sock now.
	path, err := execSetup(cfg, func(l *os.File) error { return sendListener(sock, json.NewDecoder(sock), l) })
	if err != nil {
		sendError(sock, err)
		return 1
	}
	p := cfg.Spec.Process
	err = process.Exec(path, p.Args, p.Env)
	sendError(sock, cerr.Op("exec", path, err))
	return 127
}

func execSetup(cfg *initproto.Config, send listenerSend) (string, error) {
	if cfg.Spec == nil || cfg.Spec.Process == nil || len(cfg.Spec.Process.Args) == 0 {
		return "", errors.New("process.args is empty")
	}
	p := cfg.Spec.Process
	// The container's filter covers every process that joins it.
	filter, err := prepareSeccomp(cfg.Spec)
	if err != nil {
		return "", err
	}
	if p.Terminal {
		root, err := os.OpenFile("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return "", cerr.Op("open", "/", err)
		}
		master, slave, err := rootfs.NewConsole(root)
		root.Close()
		if err != nil {
			return "", err
		}
		if err := setupConsole(cfg, master, slave); err != nil {
			return "", err
		}
	}
	// Before the filter may be loaded, which could deny close_range.
	if err := process.CloseExecFrom(3 + cfg.PreserveFDs); err != nil {
		return "", err
	}
	// The container's personality and memory policy, and this process's
	// labels, as for the init.
	if err := applyAttrs(cfg.Spec); err != nil {
		return "", err
	}
	if filter, err = setupProcess(p, filter, send); err != nil {
		return "", err
	}
	path, err := process.LookPath(p.Args[0], p.Env)
	if err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			err = inner
		}
		return "", cerr.Op("exec", p.Args[0], err)
	}
	// Last before execve, which runExec calls at once.
	if filter != nil {
		if err := filter.Load(); err != nil {
			return "", err
		}
	}
	return path, nil
}
