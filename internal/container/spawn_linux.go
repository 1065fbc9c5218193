package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cgroups"
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
}

// spawn launches the container's init and sends it its Config; it returns
// once the init is ready. On error the init is gone.
func spawn(r *spawnRequest) (*spawned, error) {
	l, err := newLauncher(r.opts.PreserveFDs)
	if err != nil {
		return nil, err
	}
	defer l.close()
	r.cfg.StartFD = l.add(r.start)
	r.cfg.ConsoleFD = -1
	if r.console != nil {
		r.cfg.ConsoleFD = l.add(r.console)
	}
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
	if err := json.NewEncoder(l.sock).Encode(&r.cfg); err != nil {
		p.kill()
		return nil, cerr.Op("send config to init", "", err)
	}
	var rep initproto.Reply
	if err := json.NewDecoder(l.sock).Decode(&rep); err != nil {
		p.kill()
		return nil, cerr.Op("wait for init", "", fmt.Errorf("init exited before it was ready: %w", err))
	}
	if !rep.Ready {
		p.kill()
		return nil, replyError(rep)
	}
	return p, nil
}

// replyError turns an init's error Reply into an error.
func replyError(rep initproto.Reply) error {
	msg := rep.Error
	if msg == "" {
		msg = "init failed"
	}
	return &cerr.Error{Op: rep.Op, Path: rep.Path, Err: errors.New(msg)}
}
