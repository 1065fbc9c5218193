package container

import (
	"errors"
	"os"
	"os/signal"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/signals"
	"github.com/ocikit/ocikit/internal/state"
	"github.com/ocikit/ocikit/internal/tty"
)

// RunOptions are the inputs of Run.
type RunOptions struct {
	CreateOptions
	Detach bool // create and start, then return
	Keep   bool // do not delete the container after it exits
}

// Run creates and starts a container and, unless detached, waits for its
// program to exit, forwarding signals (and with a terminal, the user's
// keystrokes and window size), then deletes it. It returns the program's
// exit status (128+N when killed by signal N).
func Run(o *RunOptions) (int, *state.Record, error) {
	id := o.ID
	var ours *os.File
	if o.ConsoleSocket == "" {
		_, s, _, err := loadBundle(&o.CreateOptions)
		if err != nil {
			return 0, nil, err
		}
		if s.Process.Terminal {
			if o.Detach {
				return 0, nil, cerr.E(id, "run", "", errors.New("a detached container with a terminal needs --console-socket"))
			}
			p, c, err := socketPair()
			if err != nil {
				return 0, nil, cerr.E(id, "run", "", err)
			}
			defer p.Close()
			defer c.Close()
			ours, o.console = p, c
		}
	}

	// Catch signals before the program exists so none is lost.
	sigs := make(chan os.Signal, 32)
	if !o.Detach {
		signal.Notify(sigs)
		defer signal.Stop(sigs)
	}

	rec, sp, err := create(&o.CreateOptions)
	if err != nil {
		return 0, nil, err
	}
	cleanup := func() {
		if !o.Keep {
			Delete(o.Store, id, true)
		}
	}
	var sess *tty.Session
	if ours != nil {
		o.console.Close()
		master, err := tty.RecvConsole(ours)
		if err != nil {
			killAndReap(sp.pid)
			Delete(o.Store, id, true)
			return 0, nil, cerr.E(id, "run", "", err)
		}
		defer master.Close()
		if sess, err = tty.Attach(master, os.Stdin, os.Stdout, o.Log); err != nil {
			killAndReap(sp.pid)
			Delete(o.Store, id, true)
			return 0, nil, cerr.E(id, "run", "", err)
		}
		defer sess.Close()
	}
	if rec, err = Start(o.Store, id); err != nil {
		if !o.Detach {
			killAndReap(sp.pid)
		}
		Delete(o.Store, id, true)
		return 0, nil, err
	}
	if o.Detach {
		return 0, rec, nil
	}

	proc, err := signals.Open(sp.pid, sp.startTime, startTime)
	if err == nil {
		defer proc.Close()
		go forward(sigs, proc)
	}
	status := waitExit(sp.pid)
	if sess != nil {
		// Output the program wrote just before exiting is still in the
		// pty; a background process holding the terminal must not keep
		// us here forever.
		done := make(chan error, 1)
		go func() { done <- sess.Wait() }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
	}
	cleanup()
	return status, rec, nil
}

// forward passes every signal the runtime gets on to the program, except
// those that concern the runtime itself.
func forward(sigs <-chan os.Signal, p *signals.Process) {
	for s := range sigs {
		sig, ok := s.(unix.Signal)
		if !ok {
			continue
		}
		switch sig {
		case unix.SIGCHLD, unix.SIGURG, unix.SIGWINCH, unix.SIGPIPE:
			// SIGURG is the Go runtime's preemption signal; SIGWINCH
			// reaches the program through the terminal's size.
			continue
		}
		p.Signal(sig)
	}
}

// waitExit reaps the init (a child of this process through CLONE_PARENT)
// and returns its exit status as a shell reports it.
func waitExit(pid int) int {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 255
		}
		break
	}
	switch {
	case ws.Exited():
		return ws.ExitStatus()
	case ws.Signaled():
		return 128 + int(ws.Signal())
	}
	return 255
}
