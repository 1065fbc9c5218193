package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/criu"
	"github.com/ocikit/ocikit/internal/fsutil"
	"github.com/ocikit/ocikit/internal/spec"
	"github.com/ocikit/ocikit/internal/state"
)

// imageInfoFile is ocikit's record in a checkpoint's image directory:
// where the container's bundle and root filesystem were, for a restore
// given no --bundle. The spec as created is beside it as config.json.
const imageInfoFile = "ocikit.json"

// imageInfo is what imageInfoFile holds.
type imageInfo struct {
	ID     string `json:"id"`
	Bundle string `json:"bundle"`
	Rootfs string `json:"rootfs"`
	// ShellJob: the init shared its session with the runtime, so the
	// dump was made as a shell job, and the restore must be too.
	ShellJob bool `json:"shellJob,omitempty"`
}

// CRIUOptions are the criu settings checkpoint and restore share.
type CRIUOptions struct {
	CRIU           string // the criu binary; "" finds it
	ImagePath      string // the checkpoint's image directory
	WorkPath       string // criu's logs and work files; "" means ImagePath
	TCPEstablished bool
	ExtUnixSk      bool
	ShellJob       bool
	FileLocks      bool
	ManageCgroups  string // soft (""), full, strict or ignore
}

func (o *CRIUOptions) common() criu.Common {
	return criu.Common{
		ImageDir: o.ImagePath, WorkDir: o.WorkPath,
		TCPEstablished: o.TCPEstablished, ExtUnixSk: o.ExtUnixSk,
		ShellJob: o.ShellJob, FileLocks: o.FileLocks, ManageCgroups: o.ManageCgroups,
	}
}

func (o *CRIUOptions) workDir() string {
	if o.WorkPath != "" {
		return o.WorkPath
	}
	return o.ImagePath
}

// findCRIU returns a criu binary that passes `criu check` on this kernel.
// The check comes first, so a host where criu cannot work gets one line
// with criu's reason rather than a half-made dump or restore.
func findCRIU(path string) (string, error) {
	bin, err := criu.Find(path)
	if err != nil {
		return "", err
	}
	if err := criu.Check(bin); err != nil {
		return "", err
	}
	return bin, nil
}

// CheckpointOptions are the inputs of Checkpoint.
type CheckpointOptions struct {
	CRIUOptions
	Store        *state.Store
	ID           string
	LeaveRunning bool // the container goes on after the dump; otherwise it is deleted
	Log          *slog.Logger
}

// Checkpoint saves a running container's processes to an image directory
// with criu dump, with the container's spec and the descriptors its init's
// standard streams were, so Restore can bring it back. Without
// LeaveRunning the dumped processes end and the container is deleted, as
// runc does.
func Checkpoint(o *CheckpointOptions) error {
	id := o.ID
	wrap := func(err error) error { return cerr.E(id, "checkpoint", "", err) }
	if o.ImagePath == "" {
		return wrap(errors.New("no image directory (--image-path)"))
	}
	c, err := o.Store.Get(id)
	if err != nil {
		return wrap(err)
	}
	rec, err := c.Load()
	if err != nil {
		c.Close()
		return wrap(err)
	}
	err = checkpoint(o, c, rec)
	c.Close()
	if err != nil {
		return wrap(err)
	}
	if o.LeaveRunning {
		return nil
	}
	// criu killed the dumped tree; what is left is the cgroup and the
	// folder. Delete takes the lock again, so ours is let go first.
	return Delete(o.Store, id, true, o.Log)
}

func checkpoint(o *CheckpointOptions, c *state.Container, rec *state.Record) error {
	if st := rec.Status(); st != state.Running {
		if st == state.Paused {
			return errors.New("container is paused (resume it before the checkpoint)")
		}
		return fmt.Errorf("container is %s, not running", st)
	}
	if rec.Rootless || os.Geteuid() != 0 {
		// criu needs CAP_SYS_ADMIN in the host's user namespace to
		// read and restore the kernel state of a process tree.
		return errors.New("a rootless container cannot be checkpointed (criu needs root)")
	}
	config, err := fsutil.ReadFile(c.Path(specFile))
	if err != nil {
		return fmt.Errorf("read spec %q: %w", c.Path(specFile), err)
	}
	s, err := spec.Parse(config)
	if err != nil {
		return fmt.Errorf("spec %q: %w", c.Path(specFile), err)
	}
	if err := checkpointable(s); err != nil {
		return err
	}
	// criu dumps a tree whose session leader is outside its pid
	// namespace in no mode; one in its own namespace but not led by the
	// init only as a shell job, which the restore must repeat. The init
	// makes itself a session leader, so only a container of an older
	// ocikit, whose init kept its creator's session, is refused here.
	sess, err := criu.ReadSession("/proc", rec.Pid)
	if err != nil {
		return err
	}
	if sess.Outside {
		return errors.New("the container's init does not lead its session, which belongs to the process that created the container, outside its pid namespace: criu cannot dump it (a container made by an older ocikit: recreate it)")
	}
	bin, err := findCRIU(o.CRIU)
	if err != nil {
		return err
	}
	for _, d := range []string{o.ImagePath, o.workDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("image directory %q: %w", d, err)
		}
	}
	desc, err := criu.ReadDescriptors("/proc", rec.Pid)
	if err != nil {
		return err
	}
	common := o.common()
	common.ShellJob = common.ShellJob || !sess.Leader
	// ocikit's own files go in before the dump: criu kills the tree
	// when it is done, and by then everything a restore needs must be
	// there.
	info := imageInfo{ID: rec.ID, Bundle: rec.Bundle, Rootfs: rec.Rootfs, ShellJob: common.ShellJob}
	if err := writeImageInfo(o.ImagePath, config, info); err != nil {
		return err
	}
	if err := criu.SaveDescriptors(o.ImagePath, desc); err != nil {
		return err
	}
	mounts := map[string]string{}
	for _, dst := range externalMounts(s) {
		mounts[dst] = dst // the name criu records; restore binds the source under it
	}
	d := criu.DumpOptions{Common: common, Pid: rec.Pid, LeaveRunning: o.LeaveRunning}
	d.Mounts = mounts
	args, err := d.Args()
	if err != nil {
		return err
	}
	logOr(o.Log).Debug("criu dump", "container", rec.ID, "criu", bin, "args", args)
	return criu.Run(bin, args, filepath.Join(o.workDir(), "dump.log"), [3]*os.File{}, nil)
}

// checkpointable refuses what criu cannot dump from an ocikit container:
// a namespace joined by path belongs to something outside the container
// (criu would dump it as the container's own, or fail on it).
func checkpointable(s *specs.Spec) error {
	if s.Linux == nil {
		return nil
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Path != "" {
			return fmt.Errorf("linux.namespaces: the %s namespace is joined from %q: a container sharing a namespace cannot be checkpointed", ns.Type, ns.Path)
		}
	}
	return nil
}

// externalMounts lists the destinations, as absolute paths inside the
// container, of the spec's bind mounts: their content lives on the host,
// outside what criu saves.
func externalMounts(s *specs.Spec) []string {
	var out []string
	for i := range s.Mounts {
		m := &s.Mounts[i]
		if !isBind(m) {
			continue
		}
		// A relative destination is taken from "/", as at create.
		out = append(out, path.Clean("/"+m.Destination))
	}
	return out
}

func writeImageInfo(dir string, config []byte, info imageInfo) error {
	if err := fsutil.WriteFileAtomic(filepath.Join(dir, specFile), config, 0o600, false); err != nil {
		return fmt.Errorf("write %q: %w", filepath.Join(dir, specFile), err)
	}
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	p := filepath.Join(dir, imageInfoFile)
	if err := fsutil.WriteFileAtomic(p, b, 0o600, false); err != nil {
		return fmt.Errorf("write %q: %w", p, err)
	}
	return nil
}

// readImageInfo reads ocikit's record and the spec from a checkpoint.
func readImageInfo(dir string) (imageInfo, []byte, error) {
	var info imageInfo
	p := filepath.Join(dir, imageInfoFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return info, nil, fmt.Errorf("not an ocikit checkpoint: %w", err)
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, nil, fmt.Errorf("read %q: %w", p, err)
	}
	config, err := os.ReadFile(filepath.Join(dir, specFile))
	if err != nil {
		return info, nil, fmt.Errorf("not an ocikit checkpoint: %w", err)
	}
	return info, config, nil
}
