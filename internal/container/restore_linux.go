package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/cgroups"
	"github.com/ocikit/ocikit/internal/criu"
	"github.com/ocikit/ocikit/internal/fsutil"
	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/state"
)

// criuRoot is the mount point, in the container's folder, the root
// filesystem is bound on for criu restore --root, which needs a mount
// point of its own to pivot into.
const criuRoot = "criu-root"

// RestoreOptions are the inputs of Restore.
type RestoreOptions struct {
	CRIUOptions
	Store       *state.Store
	ID          string
	Bundle      string // the bundle to restore into; "" means the checkpointed container's
	PidFile     string
	Detach      bool // return once the container runs
	NoSubreaper bool // do not become the restored init's parent (needs Detach)
	// Stdio of the restored init where its standard streams were pipes or
	// sockets of the checkpointed container's caller.
	Stdin, Stdout, Stderr *os.File
	Log                   *slog.Logger
}

// Restore brings a checkpointed container back as a running container
// with the given ID: a new state folder and cgroup, the root filesystem
// bound for criu, and criu restore of the processes into them. Unless
// Detach is set it waits for the restored program, forwarding signals,
// then deletes the container and returns the program's exit status.
func Restore(o *RestoreOptions) (int, *state.Record, error) {
	id := o.ID
	wrap := func(err error) error { return cerr.E(id, "restore", "", err) }
	if err := state.ValidateID(id); err != nil {
		return 0, nil, wrap(err)
	}
	if o.ImagePath == "" {
		return 0, nil, wrap(errors.New("no image directory (--image-path)"))
	}
	if o.NoSubreaper && !o.Detach {
		return 0, nil, cerr.Usagef("--no-subreaper needs --detach: without it the restored program is not ours to wait for")
	}
	if os.Geteuid() != 0 {
		return 0, nil, wrap(errors.New("a rootless runtime cannot restore a container (criu needs root)"))
	}
	b, shellJob, err := restoreBundle(o)
	if err != nil {
		return 0, nil, wrap(err)
	}
	// A tree dumped as a shell job is restored as one (into this
	// tool's session), or criu refuses it.
	o.ShellJob = o.ShellJob || shellJob
	if b.spec.Process != nil && b.spec.Process.Terminal && !o.ShellJob {
		return 0, nil, wrap(errors.New("process.terminal: a container with a terminal can be restored only with --shell-job"))
	}
	if err := checkpointable(b.spec); err != nil {
		return 0, nil, wrap(err)
	}
	bin, err := findCRIU(o.CRIU)
	if err != nil {
		return 0, nil, wrap(err)
	}
	var fg *foreground
	if !o.Detach {
		fg = catchSignals()
		defer fg.close()
		// criu exits once the tree runs; as a subreaper we inherit
		// the restored init and can wait for it.
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			return 0, nil, wrap(fmt.Errorf("become a subreaper: %w", err))
		}
	}
	c, err := o.Store.Create(id)
	if err != nil {
		return 0, nil, wrap(err)
	}
	rec, err := restoreInto(o, c, b, bin)
	if err != nil {
		c.Remove()
		c.Close()
		return 0, nil, wrap(err)
	}
	c.Close()
	if o.Detach {
		return 0, rec, nil
	}
	fg.awaitSignals()
	status := fg.wait(rec.Pid, rec.InitStartTime)
	Delete(o.Store, id, true, o.Log)
	return status, rec, nil
}

// restoreBundle reads the spec and root filesystem to restore into: the
// given bundle's, or those the checkpoint recorded. It also tells whether
// the checkpoint was made as a shell job.
func restoreBundle(o *RestoreOptions) (*bundleInfo, bool, error) {
	info, config, err := readImageInfo(o.ImagePath)
	if err != nil {
		return nil, false, err
	}
	if o.Bundle == "" {
		s, err := spec.Parse(config)
		if err != nil {
			return nil, false, fmt.Errorf("spec in %q: %w", o.ImagePath, err)
		}
		return &bundleInfo{dir: info.Bundle, rootfs: info.Rootfs, spec: s, config: config}, info.ShellJob, nil
	}
	b, err := loadBundle(&CreateOptions{ID: o.ID, Bundle: o.Bundle})
	return b, info.ShellJob, err
}

// restoreInto makes the container's cgroup, runs criu restore and
// records the restored container. On failure it leaves nothing but the
// folder, which the caller removes.
func restoreInto(o *RestoreOptions, c *state.Container, b *bundleInfo, bin string) (_ *state.Record, err error) {
	s := b.spec
	if err := saveSpec(c, b.config); err != nil {
		return nil, err
	}
	var cgroupsPath string
	var res *specs.LinuxResources
	var devices []specs.LinuxDevice
	if s.Linux != nil {
		cgroupsPath, res, devices = s.Linux.CgroupsPath, s.Linux.Resources, s.Linux.Devices
	}
	cg, err := cgroups.New(o.ID, cgroupsPath, o.Log)
	if err != nil {
		return nil, err
	}
	if err := cg.Create(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			cg.Destroy()
		}
	}()
	// The limits hold before the first restored process is in the
	// cgroup, as at create.
	if err := cg.Set(res, devices...); err != nil {
		return nil, err
	}
	roots, err := cgroupRoots(cg.Paths)
	if err != nil {
		return nil, err
	}
	mnt := c.Path(criuRoot)
	if err := bindRoot(b.rootfs, mnt); err != nil {
		return nil, err
	}
	// Only criu needs the root here: the restored tree has pivoted into
	// its own mount namespace by the time criu exits.
	defer unbindRoot(mnt, logOr(o.Log))

	desc, err := criu.LoadDescriptors(o.ImagePath)
	if err != nil {
		return nil, err
	}
	pidFile := c.Path("criu.pid")
	r := criu.RestoreOptions{Common: o.common(), Root: mnt, PidFile: pidFile, CgroupRoots: roots, InheritFDs: criu.Inherit(desc)}
	r.Mounts = map[string]string{}
	for _, m := range bindSources(s, b.dir) {
		r.Mounts[m[0]] = m[1]
	}
	args, err := r.Args()
	if err != nil {
		return nil, err
	}
	logOr(o.Log).Debug("criu restore", "container", o.ID, "criu", bin, "args", args)
	if err := criu.Run(bin, args, filepath.Join(o.workDir(), "restore.log"), [3]*os.File{o.Stdin, o.Stdout, o.Stderr}, nil); err != nil {
		return nil, err
	}
	pid, err := readPidFile(pidFile)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			unix.Kill(pid, unix.SIGKILL)
		}
	}()
	start, err := startTime(pid)
	if err != nil {
		return nil, fmt.Errorf("restored init %d: %w", pid, err)
	}
	cgState, err := json.Marshal(cg.State())
	if err != nil {
		return nil, err
	}
	rec := &state.Record{
		OCIVersion: s.Version, ID: o.ID, Pid: pid, Bundle: b.dir, Rootfs: b.rootfs,
		Annotations: s.Annotations, Created: time.Now().UTC(), InitStartTime: start,
		Started: true, Cgroup: cgState, Owner: os.Geteuid(),
	}
	if err := c.Save(rec); err != nil {
		return nil, err
	}
	if o.PidFile != "" {
		if err := fsutil.WriteFileAtomic(o.PidFile, []byte(strconv.Itoa(pid)), 0o644, false); err != nil {
			return nil, cerr.Op("write pid file", o.PidFile, reason(err))
		}
	}
	logOr(o.Log).Debug("restored", "container", o.ID, "pid", pid, "images", o.ImagePath, "cgroups", cg.Paths)
	return rec, nil
}

// cgroupRoots turns the container's cgroup directories into criu's
// --cgroup-root values: a path from each hierarchy's root, keyed by the
// v1 controller list, and by "" (every other controller) for cgroup v2.
func cgroupRoots(paths map[string]string) (map[string]string, error) {
	hs, err := cgroups.Hierarchies()
	if err != nil {
		return nil, err
	}
	roots := map[string]string{}
	for _, h := range hs {
		p, ok := paths[h.Key()]
		if !ok {
			continue
		}
		rel, err := filepath.Rel(h.Mountpoint, p)
		if err != nil || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("cgroup %q is not under %q", p, h.Mountpoint)
		}
		key := h.Key()
		if h.Version == 2 {
			key = ""
		}
		roots[key] = filepath.Join("/", h.Root, rel)
	}
	return roots, nil
}

// bindSources pairs each bind mount's destination (criu's name for it,
// as Checkpoint recorded) with its host source; a relative source is
// taken from the bundle, as at create.
func bindSources(s *specs.Spec, bundle string) [][2]string {
	dsts := externalMounts(s)
	var out [][2]string
	i := 0
	for _, m := range s.Mounts {
		if !isBind(&m) {
			continue
		}
		src := m.Source
		if !filepath.IsAbs(src) {
			src = filepath.Join(bundle, src)
		}
		out = append(out, [2]string{dsts[i], src})
		i++
	}
	return out
}

// bindRoot binds the root filesystem on mnt, private, so what criu mounts
// under it does not propagate to the host.
func bindRoot(rootfs, mnt string) error {
	if err := os.Mkdir(mnt, 0o700); err != nil {
		return fmt.Errorf("mkdir %q: %w", mnt, err)
	}
	if err := unix.Mount(rootfs, mnt, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		os.Remove(mnt)
		return fmt.Errorf("bind %q on %q: %w", rootfs, mnt, err)
	}
	if err := unix.Mount("", mnt, "", unix.MS_PRIVATE|unix.MS_REC, ""); err != nil {
		unix.Unmount(mnt, unix.MNT_DETACH)
		os.Remove(mnt)
		return fmt.Errorf("make %q private: %w", mnt, err)
	}
	return nil
}

func unbindRoot(mnt string, log *slog.Logger) {
	if err := unix.Unmount(mnt, unix.MNT_DETACH); err != nil {
		log.Warn("unmount the restore root", "path", mnt, "error", err)
		return
	}
	if err := os.Remove(mnt); err != nil {
		log.Warn("remove the restore root", "path", mnt, "error", err)
	}
}

func readPidFile(p string) (int, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0, fmt.Errorf("criu pid file %q: %w", p, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("criu pid file %q: no pid in %q", p, b)
	}
	return pid, nil
}
