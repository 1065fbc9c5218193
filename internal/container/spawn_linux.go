package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cgroups"
	"github.com/ocikit/ocikit/internal/hooks"
	"github.com/ocikit/ocikit/internal/initproto"
)

// spawned is a container init that has reported ready.
type spawned = launched

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
	// beforeConfig, when set, runs once the init (pid) exists and
	// before it gets its Config; an error fails the spawn.
	beforeConfig func(pid int) error
}

// spawn launches the container's init and sends it its Config; it returns
// once the init is ready. Meanwhile it logs what the init sends to the log
// and, when the init asks (right before pivot_root), runs the prestart and
// createRuntime hooks. On error the init is gone.
func spawn(r *spawnRequest) (*spawned, error) {
	l, err := newLauncher(r.opts.PreserveFDs)
	if err != nil {
		return nil, err
	}
	defer l.close()
	r.cfg.StartFD = l.add(r.start)
	// The init execs this binary again to wait for the start as a small
	// C program (package waiter). By fd: by then its root is the
	// container's, where no path leads back to the runtime. The fd is
	// the sealed one the init itself was started from (sealedExe).
	r.cfg.ExeFD = l.exeFD
	r.cfg.ConsoleFD = -1
	if r.console != nil {
		r.cfg.ConsoleFD = l.add(r.console)
	}
	idm, err := planIDMapped(r.spec, r.cfg.Rootfs, r.bundle, r.ns.userNS)
	if err != nil {
		return nil, err
	}
	// The init inherits the trees; this process keeps its descriptors
	// only until it has mapped them.
	defer idm.close()
	r.cfg.IDMapped = idm.hand(l)
	l.join(r.ns.joins, r.ns.joinTypes)
	l.boot.CloneFlags, l.boot.TimeOffsets = r.ns.cloneFlags, r.ns.timeOffs
	p, err := l.launch(&launchRequest{
		name: "init", id: r.cfg.ID,
		// Relative bind mount sources are relative to the bundle.
		dir:   r.bundle,
		stdin: r.opts.Stdin, stdout: r.opts.Stdout, stderr: r.opts.Stderr,
		cg:      r.cg,
		uidMaps: r.spec.Linux.UIDMappings, gidMaps: r.spec.Linux.GIDMappings,
	})
	if err != nil {
		return nil, err
	}
	if err := idm.apply(p.pid, logOr(r.opts.Log)); err != nil {
		p.kill()
		return nil, err
	}
	idm.told(r.cfg.IDMapped)
	if hooks.Any(r.spec, hooks.CreateContainer, hooks.StartContainer) {
		// No pid: the init gives its own, as the container sees it.
		r.cfg.HookState = hookState(r.spec, r.cfg.ID, 0, r.bundle, "")
	}
	if r.beforeConfig != nil {
		if err := r.beforeConfig(p.pid); err != nil {
			p.kill()
			return nil, err
		}
	}
	// Read through fdReader: a seccomp listener comes as a descriptor.
	fdr := newFDReader(l.sock)
	defer fdr.close()
	enc, dec := json.NewEncoder(l.sock), json.NewDecoder(fdr)
	if err := enc.Encode(&r.cfg); err != nil {
		p.kill()
		return nil, cerr.Op("send config to init", "", err)
	}
	// The hello comes before any reply: read after the Config is sent,
	// so the init never waits for this process to wake up.
	if err := l.awaitUp(); err != nil {
		p.kill()
		return nil, cerr.Op("wait for init", "", fmt.Errorf("init exited before it was ready: %w", err))
	}
	log := logOr(r.opts.Log)
	for {
		var rep initReply
		if err := dec.Decode(&rep); err != nil {
			p.kill()
			return nil, cerr.Op("wait for init", "", fmt.Errorf("init exited before it was ready: %w", err))
		}
		switch {
		case rep.Log != nil:
			rep.Log.Replay(log)
		case rep.RunHooks:
			if err := runRuntimeHooks(r.spec, r.cfg.ID, p.pid, r.bundle, log); err != nil {
				// The init gives up on the error; it is killed
				// anyway, so that nothing of it is left.
				enc.Encode(initproto.HooksDone{Error: err.Error()})
				p.kill()
				return nil, err
			}
			if err := enc.Encode(initproto.HooksDone{}); err != nil {
				p.kill()
				return nil, cerr.Op("answer init", "", err)
			}
		case rep.SeccompListener:
			// Passed on before "created": the container's notified
			// calls may start as soon as it is.
			if err := passListener(fdr, r.spec, hookState(r.spec, r.cfg.ID, p.pid, r.bundle, specs.StateCreating), p.pid); err != nil {
				p.kill()
				return nil, err
			}
		case rep.Ready:
			return p, nil
		default:
			p.kill()
			return nil, replyError(rep.Reply)
		}
	}
}

// replyError turns an init's error Reply into an error.
func replyError(rep initproto.Reply) error {
	msg := rep.Error
	if msg == "" {
		msg = "init failed"
	}
	return &cerr.Error{Op: rep.Op, Path: rep.Path, Err: errors.New(msg)}
}
