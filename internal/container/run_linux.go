package container

import (
	"errors"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/state"
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
	o.startsAtOnce = true
	var fg *foreground
	if !o.Detach {
		// Catching the signals to forward starts first, so that one
		// sent while the container is made is passed on once the
		// program runs. It takes about a millisecond, spent while the
		// bundle is read and the container created; it is over before
		// the program starts.
		fg = catchSignals()
		defer fg.close()
	}
	terminal := false
	if o.ConsoleSocket == "" {
		// The spec says whether a terminal is needed before anything
		// is made; create then uses what was read here.
		b, err := loadBundle(&o.CreateOptions)
		if err != nil {
			return 0, nil, err
		}
		o.loaded = b
		terminal = b.spec.Process.Terminal
	}
	if o.Detach {
		if terminal {
			return 0, nil, cerr.E(id, "run", "", errors.New("a detached container with a terminal needs --console-socket"))
		}
		if _, _, err := create(&o.CreateOptions); err != nil {
			return 0, nil, err
		}
		rec, err := Start(o.Store, id, o.Log)
		if err != nil {
			Delete(o.Store, id, true, o.Log)
			return 0, nil, err
		}
		return 0, rec, nil
	}

	if terminal {
		if err := fg.openConsole(); err != nil {
			return 0, nil, cerr.E(id, "run", "", err)
		}
		o.console = fg.theirs
	}
	rec, sp, err := create(&o.CreateOptions)
	if err != nil {
		return 0, nil, err
	}
	if err := fg.attach(o.Stdin, o.Stdout, o.Log); err != nil {
		sp.kill()
		Delete(o.Store, id, true, o.Log)
		return 0, nil, cerr.E(id, "run", "", err)
	}
	fg.awaitSignals()
	if rec, err = Start(o.Store, id, o.Log); err != nil {
		sp.kill()
		Delete(o.Store, id, true, o.Log)
		return 0, nil, err
	}
	status := fg.wait(sp.pid, sp.startTime)
	if !o.Keep {
		Delete(o.Store, id, true, o.Log)
	}
	return status, rec, nil
}
