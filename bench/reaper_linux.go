package main

import (
	"fmt"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Reaper makes this program a child subreaper, as containerd's shim and
// conmon are, and reaps every child the moment it exits: its own commands,
// whose exit it hands to whoever started them, and the containers' inits,
// which become its children when the runtime that created them exits.
//
// Without it a killed container is reaped by the host's pid 1, whenever
// that gets to it, and a runtime whose delete waits for the process to be
// gone (crun) measures the host's init instead of itself: about 10 ms of
// crun's 14 ms delete on the host these figures come from.
//
// Once the reaper runs, every process must be started through Start: a
// child started otherwise (os/exec) would be reaped here and its own
// Wait would fail.
type Reaper struct {
	mu      sync.Mutex
	waiters map[int]chan Exit
	wake    chan struct{}
}

// Exit is how a child ended.
type Exit struct {
	Status syscall.WaitStatus
	Rusage syscall.Rusage
}

// StartReaper makes this process a subreaper and starts reaping.
func StartReaper() (*Reaper, error) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("become a child subreaper: %w", err)
	}
	r := &Reaper{waiters: map[int]chan Exit{}, wake: make(chan struct{}, 1)}
	go r.loop()
	return r, nil
}

func (r *Reaper) loop() {
	for {
		var e Exit
		pid, err := syscall.Wait4(-1, &e.Status, 0, &e.Rusage)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.ECHILD:
			// No child at all: sleep until Start makes one.
			<-r.wake
			continue
		case err != nil:
			continue
		}
		// Start holds mu from fork to registration, so a child that
		// exits at once is still found here.
		r.mu.Lock()
		ch := r.waiters[pid]
		delete(r.waiters, pid)
		r.mu.Unlock()
		if ch != nil {
			ch <- e
		}
	}
}

// Child is a process started through the reaper.
type Child struct {
	Pid  int
	exit chan Exit
}

// Wait returns the child's exit.
func (c *Child) Wait() Exit { return <-c.exit }

// Start starts argv (argv[0] an absolute path) in a process group of its
// own, with files as its fds 0, 1, 2... The process group keeps the
// terminal's Ctrl-C away from it: this program stops between commands
// and cleans up, instead of a runtime being cut off halfway through a
// create.
func (r *Reaper) Start(argv, env []string, files []*os.File) (*Child, error) {
	fds := make([]uintptr, len(files))
	for i, f := range files {
		fds[i] = f.Fd()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{
		Env: env, Files: fds, Sys: &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		return nil, fmt.Errorf("start %q: %w", argv[0], err)
	}
	c := &Child{Pid: pid, exit: make(chan Exit, 1)}
	r.waiters[pid] = c.exit
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return c, nil
}
