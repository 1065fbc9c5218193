package container

import (
	"log/slog"
	"os"
	"os/signal"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/signals"
	"github.com/ocikit/ocikit/internal/tty"
)

// foreground is what oci-run and oci-exec share while a program runs in
// the foreground: signals caught from before the program exists and
// forwarded to it, and, for a terminal, the console socketpair the pty
// master arrives on and the raw-mode proxy.
type foreground struct {
	sigs   chan os.Signal
	ours   *os.File // our end of the console socketpair
	theirs *os.File // the end handed to the init (nil: no terminal)
	master *os.File
	sess   *tty.Session
}

// newForeground starts catching signals and, with terminal, makes the
// console socketpair.
func newForeground(terminal bool) (*foreground, error) {
	f := &foreground{sigs: make(chan os.Signal, 32)}
	if terminal {
		var err error
		if f.ours, f.theirs, err = socketPair(); err != nil {
			return nil, err
		}
	}
	signal.Notify(f.sigs)
	return f, nil
}

// attach receives the pty master and connects it to in and out.
func (f *foreground) attach(in, out *os.File, log *slog.Logger) error {
	if f.ours == nil {
		return nil
	}
	f.theirs.Close()
	f.theirs = nil
	var err error
	if f.master, err = tty.RecvConsole(f.ours); err != nil {
		return err
	}
	f.sess, err = tty.Attach(f.master, in, out, log)
	return err
}

// wait forwards signals to the program (a child of this process) until it
// exits, lets the terminal drain, and returns the exit status as a shell
// reports it.
func (f *foreground) wait(pid int, start uint64) int {
	if proc, err := signals.Open(pid, start, startTime); err == nil {
		defer proc.Close()
		go forward(f.sigs, proc)
	}
	status := waitExit(pid)
	if f.sess != nil {
		// Output written just before the exit is still in the pty; a
		// background process holding the terminal must not keep us here
		// forever.
		done := make(chan error, 1)
		go func() { done <- f.sess.Wait() }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
	}
	return status
}

func (f *foreground) close() {
	signal.Stop(f.sigs)
	if f.sess != nil {
		f.sess.Close()
	}
	for _, c := range []*os.File{f.master, f.ours, f.theirs} {
		if c != nil {
			c.Close()
		}
	}
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

// waitExit reaps pid (a child of this process through CLONE_PARENT) and
// returns its exit status as a shell reports it.
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
