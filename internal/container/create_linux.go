package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cgroups"
	"github.com/ocikit/ocikit/internal/fsutil"
	"github.com/ocikit/ocikit/internal/initproto"
	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/state"
	"github.com/ocikit/ocikit/internal/tty"
	"github.com/ocikit/ocikit/internal/unixsock"
	"github.com/ocikit/ocikit/internal/userns"
)

// startSocket is the init's start socket in the container's folder.
const startSocket = "start.sock"

// Create creates a container and leaves it in "created": its init waits
// in the new namespaces, root filesystem built, for Start.
func Create(o *CreateOptions) (*state.Record, error) {
	rec, _, err := create(o)
	return rec, err
}

// create does Create's work; it also returns the init's pid so Run, the
// init's parent, can wait for it.
func create(o *CreateOptions) (*state.Record, *spawned, error) {
	id := o.ID
	wrap := func(err error) error { return cerr.E(id, "create", "", err) }
	if err := state.ValidateID(id); err != nil {
		return nil, nil, wrap(err)
	}
	if o.loaded == nil {
		b, err := loadBundle(o)
		if err != nil {
			return nil, nil, err
		}
		o.loaded = b
	}
	bundle, s := o.loaded.dir, o.loaded.spec
	if s.Process.Terminal && o.ConsoleSocket == "" && o.console == nil {
		return nil, nil, wrap(errors.New("process.terminal is true but no --console-socket was given (use oci-run for an interactive terminal)"))
	}

	auto, wantAuto, err := userns.Wanted(s)
	if err != nil {
		return nil, nil, wrap(err)
	}
	if wantAuto && os.Geteuid() != 0 {
		// Only root may map another user's sub-ids (newuidmap would
		// refuse them); a rootless container maps the caller's own.
		return nil, nil, wrap(fmt.Errorf("%s needs a runtime run as root (a rootless container maps its user's own sub-ids: oci-spec --rootless --subids)", spec.AnnotationUserNS))
	}

	c, err := o.Store.Create(id)
	if err != nil {
		return nil, nil, wrap(err)
	}
	defer c.Close()
	var ids *state.IDRange
	if wantAuto {
		// The block is recorded in the folder before the lock on the
		// pool is dropped, so the folder's removal below (or at delete)
		// is all it takes to give it back.
		a := userns.Allocator{Root: o.Store.Root}
		got, err := a.Allocate(c.Dir, auto)
		if err == nil {
			err = userns.Apply(s, got)
		}
		if err != nil {
			c.Remove()
			return nil, nil, wrap(cerr.Op("allocate user namespace ids", "", err))
		}
		ids = &got
		logOr(o.Log).Debug("user namespace ids allocated", "container", id, "user", auto.User,
			"uid", got.UID, "gid", got.GID, "size", got.Size)
	}
	rec, sp, err := build(o, c, o.loaded, ids)
	if err != nil {
		c.Remove()
		// The lifecycle goes on with the container destroyed, and then
		// its poststop hooks, as after a delete: they undo what the
		// create-time hooks may have set up (a network, say). runc
		// does the same.
		runPoststop(s, id, bundle, logOr(o.Log))
		return nil, nil, wrap(err)
	}
	return rec, sp, nil
}

// loadBundle reads and checks the bundle's config.json and root
// filesystem.
func loadBundle(o *CreateOptions) (*bundleInfo, error) {
	wrap := func(err error) error { return cerr.E(o.ID, "create", "", err) }
	var err error
	bundle := o.Bundle
	if bundle == "" {
		bundle = "."
	}
	if bundle, err = filepath.Abs(bundle); err != nil {
		return nil, wrap(err)
	}
	// The validation of oci-spec validate, hooks included (so a bad
	// poststop hook is not found only at delete): its errors, each
	// "PATH: MESSAGE", stop the create in one line.
	s, config, err := spec.LoadRaw(filepath.Join(bundle, "config.json"))
	if err != nil {
		return nil, wrap(err)
	}
	// A field this runtime or this host cannot honour stops the create
	// here, named, before anything is made: none is silently ignored.
	if err := refuseUnsupported(s, o.Log); err != nil {
		return nil, wrap(err)
	}
	rootfsPath := s.Root.Path
	if !filepath.IsAbs(rootfsPath) {
		rootfsPath = filepath.Join(bundle, rootfsPath)
	}
	if fi, err := os.Stat(rootfsPath); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is named already
		}
		return nil, cerr.E(o.ID, "create", rootfsPath, fmt.Errorf("root filesystem: %w", err))
	} else if !fi.IsDir() {
		return nil, cerr.E(o.ID, "create", rootfsPath, errors.New("root filesystem is not a directory"))
	}
	return &bundleInfo{dir: bundle, rootfs: rootfsPath, spec: s, config: config}, nil
}

// build does the part of create that makes things, undoing them all on
// failure (the caller removes the folder).
//
// ids is the automatic user namespace's block, already in the spec's
// mappings, for the record.
func build(o *CreateOptions, c *state.Container, b *bundleInfo, ids *state.IDRange) (_ *state.Record, _ *spawned, err error) {
	s, bundle, rootfsPath := b.spec, b.dir, b.rootfs
	ns, err := planNamespaces(s)
	if err != nil {
		return nil, nil, err
	}
	defer ns.close()
	if err := checkNetDevices(s, ns); err != nil {
		return nil, nil, err
	}
	// The spec as created: exec takes the process defaults and the
	// namespaces from it, and start and delete the hooks, whatever
	// happens to the bundle afterwards. It is saved before the init
	// starts, so a delete after an interrupted create finds the poststop
	// hooks.
	if err := saveSpec(c, b.config); err != nil {
		return nil, nil, err
	}

	if !ns.mountNS {
		// Without a mount namespace nothing can be mounted without
		// changing the host's mounts: what needs mounts is refused, and
		// the spec's mounts are left out, as runc does.
		switch {
		case len(s.Linux.MaskedPaths) > 0 || len(s.Linux.ReadonlyPaths) > 0:
			return nil, nil, cerr.Op("namespace", "", errors.New("linux.maskedPaths and linux.readonlyPaths need a mount namespace"))
		case s.Root.Readonly:
			return nil, nil, cerr.Op("namespace", "", errors.New("root.readonly needs a mount namespace"))
		}
		if len(s.Mounts) > 0 {
			o.Log.Warn("the spec has no mount namespace: its mounts are not made", "container", o.ID)
		}
	}
	cg, err := cgroups.New(o.ID, s.Linux.CgroupsPath, o.Log)
	if err != nil {
		return nil, nil, err
	}
	if err := cg.Create(); err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			cg.Destroy()
		}
	}()
	if err := cgroupOwner(s, ns, cg, o.ID, logOr(o.Log)); err != nil {
		return nil, nil, err
	}

	start, err := unixsock.Listen(c.Path(startSocket), 8)
	if err != nil {
		return nil, nil, cerr.Op("listen on start socket", c.Path(startSocket), err)
	}
	defer start.Close()

	console := o.console
	if o.ConsoleSocket != "" {
		if console, err = tty.DialConsole(o.ConsoleSocket); err != nil {
			return nil, nil, cerr.Op("connect to console socket", o.ConsoleSocket, reason(err))
		}
		defer console.Close()
	}

	// Declared before the spawn: its deferred undo must see the err
	// of any later step, and it holds the namespace open until then.
	var nd netDevices
	defer func() {
		if err != nil {
			nd.undo(logOr(o.Log))
			// The resctrl group is outside the folder the caller
			// removes; its record in the folder says what to undo.
			if rerr := rdtRemove(c); rerr != nil {
				logOr(o.Log).Warn("resctrl group left after the failed create", "container", o.ID, "error", rerr)
			}
		}
		nd.close()
	}()
	early, late := splitPids(s.Linux.Resources)
	sp, err := spawn(&spawnRequest{
		spec:    s,
		ns:      ns,
		cg:      cg,
		start:   start,
		console: console,
		opts:    o,
		bundle:  bundle,
		// The limits and device rules go in while the init starts its
		// Go runtime (about 1.5 ms it would otherwise wait for), and
		// before it gets its config: nothing of the container is made
		// before they hold, and the process is in the cgroup already.
		// The resctrl group, like the cgroup, holds before the init
		// runs anything of the container's, and the network devices
		// move into the namespaces the init is already in.
		beforeConfig: func(pid int) error {
			if err := cg.Set(early, s.Linux.Devices...); err != nil {
				return err
			}
			if err := rdtCreate(c, o.ID, s.Linux.IntelRdt, pid); err != nil {
				return err
			}
			return nd.move(s, pid, o.ID, logOr(o.Log))
		},
		cfg: initproto.Config{
			ID:           o.ID,
			Spec:         s,
			Rootfs:       rootfsPath,
			NoPivot:      o.NoPivot,
			UserNS:       ns.userNS,
			NoMountNS:    !ns.mountNS,
			CgroupNS:     ns.cgroupNS,
			CgroupPaths:  cg.Paths,
			PreserveFDs:  o.PreserveFDs,
			NewKeyring:   !o.NoNewKeyring,
			StartsAtOnce: o.startsAtOnce,
		},
	})
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			killAndReap(sp.pid)
		}
	}()
	if late != nil {
		if err := cg.Set(late); err != nil {
			return nil, nil, err
		}
	}

	cgState, err := json.Marshal(cg.State())
	if err != nil {
		return nil, nil, err
	}
	rec := &state.Record{
		OCIVersion:    s.Version,
		ID:            o.ID,
		Pid:           sp.pid,
		Bundle:        bundle,
		Rootfs:        rootfsPath,
		Annotations:   s.Annotations,
		Created:       time.Now().UTC(),
		InitStartTime: sp.startTime,
		Cgroup:        cgState,
		Owner:         os.Geteuid(),
		Rootless:      os.Geteuid() != 0,
		UserNS:        ids,
	}
	if err := c.Save(rec); err != nil {
		return nil, nil, err
	}
	if o.PidFile != "" {
		if err := fsutil.WriteFileAtomic(o.PidFile, []byte(strconv.Itoa(sp.pid)), 0o644, false); err != nil {
			return nil, nil, cerr.Op("write pid file", o.PidFile, reason(err))
		}
	}
	logOr(o.Log).Debug("created", "container", o.ID, "pid", sp.pid, "bundle", bundle,
		"rootfs", rootfsPath, "cgroups", cg.Paths, "state", c.Dir)
	return rec, sp, nil
}
