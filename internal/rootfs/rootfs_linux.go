package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/initproto"
)

// Config says how to build a container's root filesystem.
type Config struct {
	Spec        *specs.Spec       // root, mounts, linux.devices, maskedPaths, readonlyPaths, rootfsPropagation
	Rootfs      string            // absolute host path of the root filesystem
	NoPivot     bool              // use MS_MOVE + chroot instead of pivot_root (initramfs)
	UserNS      bool              // running in a user namespace (bind devices instead of mknod; keep locked mount flags)
	CgroupNS    bool              // the container has its own cgroup namespace
	CgroupPaths map[string]string // the container's cgroup per hierarchy key (cgroups.Hierarchy.Key), absolute host paths
	Terminal    bool              // make a pty and bind its slave on /dev/console
	// IDMapped are the id-mapped mount trees the runtime made
	// (idmap_linux.go); Setup moves each into place and closes it.
	IDMapped []initproto.IDMappedMount
	// BeforePivot, when set, runs once the spec's mounts, /dev and the
	// console are made and before the root is entered, while the host's
	// paths still resolve in the container's mount namespace: the init
	// runs the createRuntime and createContainer hooks here. An error
	// stops Setup.
	BeforePivot func() error
	// AfterPivot, when set, runs once the root is entered and before
	// masked and read-only paths and a read-only root are applied: the
	// init writes sysctls here, while /proc/sys is still writable.
	AfterPivot func() error
}

// Result holds what Setup made that the init still needs.
type Result struct {
	ConsoleMaster *os.File // when Config.Terminal: the pty master, to send over the console socket
	ConsoleSlave  *os.File // when Config.Terminal: the pty slave, to become the process's stdio
}

// setup is the state of one Setup call.
//
// Handles are raw descriptors (-1 when not open), here and throughout the
// package: os.NewFile costs an fcntl(F_GETFL) per handle, os.OpenFile two
// or three fcntl calls and an epoll_ctl, and Setup takes a hundred handles
// or so. Each is closed by the function that opened it.
type setup struct {
	cfg      *Config
	spec     *specs.Spec
	proc     int         // the runtime's procfs, opened and verified first: magic links go through it
	cwd      int         // the working directory at the start, for relative bind sources
	root     int         // the root filesystem, after binding it onto itself
	rootStat unix.Stat_t // to recognise a destination that resolves to the root
}

// Setup builds the root filesystem and enters it. It must run in the
// container's own mount namespace, in a process whose calling goroutine is
// locked to its thread, before the container's process can run.
//
// In order: root propagation and the bind of the root filesystem onto
// itself; the spec's mounts; /dev (devices and symlinks) unless /dev is a
// bind of the host's; the console when cfg.Terminal; cfg.BeforePivot;
// pivot_root (or MS_MOVE and chroot when cfg.NoPivot); cfg.AfterPivot;
// masked paths, read-only paths, a read-only root, and the root's
// propagation.
//
// Relative bind mount sources are relative to the working directory
// Setup is called in (the bundle). Setup leaves the working directory at
// the new "/". On error the mount namespace is left half built: the
// caller is expected to exit.
func Setup(cfg *Config) (res *Result, err error) {
	if cfg == nil || cfg.Spec == nil {
		return nil, errors.New("rootfs: no spec")
	}
	if !filepath.IsAbs(cfg.Rootfs) {
		return nil, fmt.Errorf("rootfs: root filesystem %q is not an absolute path", cfg.Rootfs)
	}
	s := &setup{cfg: cfg, spec: cfg.Spec, proc: -1, cwd: -1, root: -1}
	defer s.close()
	if err := s.open(); err != nil {
		return nil, err
	}
	if err := s.prepareRoot(); err != nil {
		return nil, err
	}
	if err := s.openRoot(); err != nil {
		return nil, err
	}
	for i, m := range s.spec.Mounts {
		if err := s.mountEntry(i, m); err != nil {
			return nil, err
		}
	}
	if err := s.setupDev(); err != nil {
		return nil, err
	}
	res = &Result{}
	if cfg.Terminal {
		master, slave, err := s.setupConsole()
		if err != nil {
			return nil, err
		}
		defer func() {
			if res == nil {
				master.Close()
				slave.Close()
			}
		}()
		res.ConsoleMaster, res.ConsoleSlave = master, slave
	}
	if cfg.BeforePivot != nil {
		if err := cfg.BeforePivot(); err != nil {
			return nil, err
		}
	}
	if cfg.NoPivot {
		err = s.moveRoot()
	} else {
		err = s.pivotRoot()
	}
	if err != nil {
		return nil, err
	}
	if cfg.AfterPivot != nil {
		if err := cfg.AfterPivot(); err != nil {
			return nil, err
		}
	}
	if err := s.finishRoot(); err != nil {
		return nil, err
	}
	if err := unix.Chdir("/"); err != nil {
		return nil, fmt.Errorf("chdir /: %w", err)
	}
	return res, nil
}

// open takes the handles Setup needs before anything changes.
//
// The procfs handle is verified here, once: it is the root of a procfs
// mount. Every magic link of this Setup is resolved from it (see
// mountFd), and nothing can change what it refers to afterwards: a
// descriptor stays on the mount it was opened on, whatever is mounted or
// unmounted at /proc later, in the host or in the container.
func (s *setup) open() error {
	proc, err := unix.Open("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /proc: %w", err)
	}
	s.proc = proc
	if err := checkFSType(proc, "proc"); err != nil {
		return fmt.Errorf("/proc: %w", err)
	}
	if _, root, err := mountID(proc); err != nil || !root {
		return errors.New("/proc is not the root of a procfs mount")
	}
	s.cwd, err = unix.Open(".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open working directory: %w", err)
	}
	return nil
}

// openRoot opens the root filesystem once it is a mount of its own; every
// destination is resolved from this handle.
func (s *setup) openRoot() error {
	root, err := unix.Open(s.cfg.Rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open root filesystem %q: %w", s.cfg.Rootfs, err)
	}
	s.root = root
	if err := unix.Fstat(root, &s.rootStat); err != nil {
		return fmt.Errorf("stat root filesystem %q: %w", s.cfg.Rootfs, err)
	}
	return nil
}

// finishRoot does what follows entering the root.
func (s *setup) finishRoot() error {
	var masked, readonly []string
	if s.spec.Linux != nil {
		masked, readonly = s.spec.Linux.MaskedPaths, s.spec.Linux.ReadonlyPaths
	}
	if err := s.maskPaths(masked); err != nil {
		return err
	}
	if err := s.readonlyPaths(readonly); err != nil {
		return err
	}
	if s.spec.Root != nil && s.spec.Root.Readonly {
		if err := s.readonlyRoot(); err != nil {
			return err
		}
	}
	return s.applyRootPropagation()
}

func (s *setup) close() {
	s.closeTrees()
	for _, fd := range []int{s.root, s.cwd, s.proc} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}
