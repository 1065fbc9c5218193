package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func mode(m os.FileMode) *os.FileMode { return &m }

// defaultDevices are the devices every container gets, as the runtime
// spec requires.
var defaultDevices = []specs.LinuxDevice{
	{Path: "/dev/null", Type: "c", Major: 1, Minor: 3, FileMode: mode(0o666)},
	{Path: "/dev/zero", Type: "c", Major: 1, Minor: 5, FileMode: mode(0o666)},
	{Path: "/dev/full", Type: "c", Major: 1, Minor: 7, FileMode: mode(0o666)},
	{Path: "/dev/random", Type: "c", Major: 1, Minor: 8, FileMode: mode(0o666)},
	{Path: "/dev/urandom", Type: "c", Major: 1, Minor: 9, FileMode: mode(0o666)},
	{Path: "/dev/tty", Type: "c", Major: 5, Minor: 0, FileMode: mode(0o666)},
}

// devLinks are the /dev symlinks the runtime spec requires.
var devLinks = []symlink{
	{name: "fd", target: "/proc/self/fd"},
	{name: "stdin", target: "/proc/self/fd/0"},
	{name: "stdout", target: "/proc/self/fd/1"},
	{name: "stderr", target: "/proc/self/fd/2"},
}

// needsDev reports whether the runtime populates /dev: always, unless the
// spec binds a /dev from the host, whose devices are then the container's.
func needsDev(mounts []specs.Mount) bool {
	for _, m := range mounts {
		o, err := parseOptions(m.Options)
		if err == nil && path.Clean("/"+m.Destination) == "/dev" && (o.bind() || m.Type == "bind") {
			return false
		}
	}
	return true
}

// hasMount reports whether the spec mounts something at dest.
func hasMount(mounts []specs.Mount, dest string) bool {
	for _, m := range mounts {
		if path.Clean("/"+m.Destination) == dest {
			return true
		}
	}
	return false
}

// devices merges the default devices with the spec's; a spec device with
// the same path replaces the default one.
func devices(spec []specs.LinuxDevice) []specs.LinuxDevice {
	out := make([]specs.LinuxDevice, 0, len(defaultDevices)+len(spec))
	for _, d := range defaultDevices {
		replaced := false
		for _, sd := range spec {
			if path.Clean("/"+sd.Path) == d.Path {
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, d)
		}
	}
	return append(out, spec...)
}

// setupDev creates the devices and the /dev symlinks.
func (s *setup) setupDev() error {
	if !needsDev(s.spec.Mounts) {
		return nil
	}
	var specDevices []specs.LinuxDevice
	if s.spec.Linux != nil {
		specDevices = s.spec.Linux.Devices
	}
	for _, d := range devices(specDevices) {
		if err := s.createDevice(d); err != nil {
			return fmt.Errorf("create device %q: %w", d.Path, err)
		}
	}
	// /dev is resolved inside the root: an image whose /dev is a symlink
	// gets its links wherever that symlink leads in the root, never on
	// the host.
	dev, err := pathrs.OpenatInRoot(s.root, "/dev")
	if err != nil {
		return fmt.Errorf("open /dev in the root: %w", err)
	}
	defer dev.Close()
	for _, l := range devLinks {
		if err := unix.Symlinkat(l.target, int(dev.Fd()), l.name); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("symlink %q: %w", "/dev/"+l.name, err)
		}
	}
	if hasMount(s.spec.Mounts, "/dev/pts") {
		// The ptmx of the container's own devpts instance, not the
		// host's: an image's ptmx node would open the host's instance.
		if err := unix.Unlinkat(int(dev.Fd()), "ptmx", 0); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("remove /dev/ptmx: %w", err)
		}
		if err := unix.Symlinkat("pts/ptmx", int(dev.Fd()), "ptmx"); err != nil {
			return fmt.Errorf("symlink /dev/ptmx: %w", err)
		}
	}
	return nil
}

// deviceMode returns the file type bits and number of a spec device.
func deviceMode(d specs.LinuxDevice) (uint32, int, error) {
	var typ uint32
	switch d.Type {
	case "c", "u":
		typ = unix.S_IFCHR
	case "b":
		typ = unix.S_IFBLK
	case "p":
		return unix.S_IFIFO, 0, nil
	default:
		return 0, 0, fmt.Errorf("unknown device type %q", d.Type)
	}
	return typ, int(unix.Mkdev(uint32(d.Major), uint32(d.Minor))), nil
}

// isDevice reports whether st is the device typ/rdev.
func isDevice(st *unix.Stat_t, typ uint32, rdev int) bool {
	return st.Mode&unix.S_IFMT == typ && (typ == unix.S_IFIFO || st.Rdev == uint64(rdev))
}

// createDevice makes device d in the root: a node, or, where mknod is not
// allowed (a user namespace), a bind of the host's device onto an empty
// file.
func (s *setup) createDevice(d specs.LinuxDevice) error {
	typ, rdev, err := deviceMode(d)
	if err != nil {
		return err
	}
	dest := path.Clean("/" + d.Path)
	if dest == "/" {
		return errors.New("device path is the root")
	}
	dir, err := s.mkdirAll(path.Dir(dest))
	if err != nil {
		return err
	}
	defer dir.Close()
	name := path.Base(dest)
	perm := uint32(0o666)
	if d.FileMode != nil {
		perm = uint32(d.FileMode.Perm())
	}
	bind := s.cfg.UserNS && typ != unix.S_IFIFO

	var st unix.Stat_t
	err = unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case errors.Is(err, unix.ENOENT):
	case err != nil:
		return fmt.Errorf("stat: %w", err)
	case isDevice(&st, typ, rdev):
		return nil // the image (or a bound host /dev) already has it
	case st.Mode&unix.S_IFMT == unix.S_IFREG && st.Size == 0:
		// An empty file: what a bind needs, or a leftover of one.
		if bind {
			return s.bindDevice(dir, name, dest, typ, rdev)
		}
		if err := unix.Unlinkat(int(dir.Fd()), name, 0); err != nil {
			return fmt.Errorf("remove empty file: %w", err)
		}
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		// Never follow it: it could make the runtime create, chmod or
		// bind over a file of its choosing.
		return errors.New("the root filesystem has a symlink there")
	default:
		return errors.New("the root filesystem has a different file there")
	}

	if !bind {
		err := unix.Mknodat(int(dir.Fd()), name, typ|perm, rdev)
		if errors.Is(err, unix.EPERM) && typ != unix.S_IFIFO {
			// No CAP_MKNOD, or a device cgroup forbids it.
			bind = true
		} else if err != nil {
			return fmt.Errorf("mknod: %w", err)
		} else {
			return s.fixDevice(dir, name, typ, rdev, perm, d)
		}
	}
	f, err := createFile(dir, name, dest, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	return s.bindDevice(dir, name, dest, typ, rdev)
}

// fixDevice sets the mode (mknod's is cut by the umask) and owner of a
// node just made, through a handle that is verified to be that node.
func (s *setup) fixDevice(dir *os.File, name string, typ uint32, rdev int, perm uint32, d specs.LinuxDevice) error {
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if !isDevice(&st, typ, rdev) {
		return errors.New("the node changed after mknod")
	}
	// chmod has no O_PATH form: go through the node's magic link.
	if err := unix.Fchmodat(int(s.proc.Fd()), fdName(f), perm, 0); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	var uid, gid uint32
	if d.UID != nil {
		uid = *d.UID
	}
	if d.GID != nil {
		gid = *d.GID
	}
	if err := unix.Fchownat(fd, "", int(uid), int(gid), unix.AT_EMPTY_PATH); err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	return nil
}

// bindDevice binds the host's device at dest over the empty file name in
// dir. The host node must be the device the spec asks for.
func (s *setup) bindDevice(dir *os.File, name, dest string, typ uint32, rdev int) error {
	src, err := os.OpenFile(dest, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open host device: %w", err)
	}
	defer src.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(src.Fd()), &st); err != nil {
		return fmt.Errorf("stat host device: %w", err)
	}
	if !isDevice(&st, typ, rdev) {
		return fmt.Errorf("host %s is not device %d:%d", dest, unix.Major(uint64(rdev)), unix.Minor(uint64(rdev)))
	}
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open bind target: %w", err)
	}
	dst := os.NewFile(uintptr(fd), dest)
	defer dst.Close()
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat bind target: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return errors.New("bind target is not a regular file")
	}
	if err := s.mountFd("", src, dst, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind host device: %w", err)
	}
	return nil
}
