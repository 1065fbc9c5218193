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
	caught chan struct{} // closed once every forwarded signal is caught
	ours   *os.File      // our end of the console socketpair
	theirs *os.File      // the end handed to the init (nil: no terminal)
	master *os.File
	sess   *tty.Session
}

// catchSignals starts catching the signals to forward and returns at
// once; awaitSignals waits until every one is caught, and must return
// before the program can exist.
//
// Catching is slow enough to hide: the Go runtime registers each signal
// with a round trip to the thread that owns its signal mask, some 20-100
// µs apiece on a virtual machine, over 1 ms for them all. Until a signal
// is registered it has its default action, which for most ends the
// runtime; those an engine or a terminal sends to stop a program are
// registered first.
func catchSignals() *foreground {
	f := &foreground{sigs: make(chan os.Signal, 32), caught: make(chan struct{})}
	go func() {
		signal.Notify(f.sigs, forwardedSignals()...)
		close(f.caught)
	}()
	return f
}

// awaitSignals returns once every forwarded signal is caught.
func (f *foreground) awaitSignals() { <-f.caught }

// openConsole makes the console socketpair the init sends the pty master
// on.
func (f *foreground) openConsole() error {
	var err error
	f.ours, f.theirs, err = socketPair()
	return err
}

// forwardedSignals lists the signals the runtime passes on to the program:
// all but those that cannot be caught (SIGKILL, SIGSTOP), those glibc
// reserves (32, 33), and those that concern the runtime itself: SIGCHLD,
// SIGURG (the Go runtime's preemption) and SIGWINCH (the program learns
// the terminal's size through the pty). Left alone, these three are
// ignored, as they would be when caught and dropped. SIGPIPE is caught so
// that a closed pipe does not kill the runtime, and not forwarded. The
// signals that stop a program come first.
func forwardedSignals() []os.Signal {
	first := [...]unix.Signal{unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT}
	sigs := make([]os.Signal, 0, 64)
	for _, s := range first {
		sigs = append(sigs, s)
	}
	for s := unix.Signal(1); s <= 64; s++ {
		switch s {
		case unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT,
			unix.SIGKILL, unix.SIGSTOP, 32, 33,
			unix.SIGCHLD, unix.SIGURG, unix.SIGWINCH:
			continue
		}
		sigs = append(sigs, s)
	}
	return sigs
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
	// Letting go of the signals is as slow as catching them (a round
	// trip to the signal-mask thread each, over 1 ms in all) and the
	// runtime is about to exit: it happens in the background. Until it
	// has, a signal goes to the program, which is gone, and so is
	// ignored rather than ending the runtime mid-cleanup. Stopped before
	// the registration ends, the channel would be registered again
	// after it, hence the wait.
	go func() {
		f.awaitSignals()
		signal.Stop(f.sigs)
	}()
	if f.sess != nil {
		f.sess.Close()
	}
	for _, c := range []*os.File{f.master, f.ours, f.theirs} {
		if c != nil {
			c.Close()
		}
	}
}

// forward passes the signals the runtime gets on to the program, but
// SIGPIPE, which only keeps a closed pipe from killing the runtime.
func forward(sigs <-chan os.Signal, p *signals.Process) {
	for s := range sigs {
		sig, ok := s.(unix.Signal)
		if !ok || sig == unix.SIGPIPE {
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
