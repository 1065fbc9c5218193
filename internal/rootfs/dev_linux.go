package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"

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
	dirs := &devDirs{s: s, fds: map[string]int{}}
	defer dirs.close()
	for _, d := range devices(specDevices) {
		if err := s.createDevice(dirs, d); err != nil {
			return fmt.Errorf("create device %q: %w", d.Path, err)
		}
	}
	// /dev is resolved inside the root: an image whose /dev is a symlink
	// gets its links wherever that symlink leads in the root, never on
	// the host. The default devices made sure it exists.
	dev, err := dirs.open("/dev")
	if err != nil {
		return err
	}
	for _, l := range devLinks {
		if err := unix.Symlinkat(l.target, dev, l.name); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("symlink %q: %w", "/dev/"+l.name, err)
		}
	}
	if hasMount(s.spec.Mounts, "/dev/pts") {
		// The ptmx of the container's own devpts instance, not the
		// host's: an image's ptmx node would open the host's instance.
		if err := unix.Unlinkat(dev, "ptmx", 0); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("remove /dev/ptmx: %w", err)
		}
		if err := unix.Symlinkat("pts/ptmx", dev, "ptmx"); err != nil {
			return fmt.Errorf("symlink /dev/ptmx: %w", err)
		}
	}
	return nil
}

// devDirs holds the directories that devices are made in, each looked up
// in the root once for the whole of setupDev rather than once per device.
//
// That is as safe as a lookup per device. Every node is then made,
// opened and changed by a single-component name relative to the
// directory's descriptor, with mknodat (which never follows a symlink),
// O_NOFOLLOW and the node's own descriptor: no path is resolved anymore,
// so no symlink in the image, planted before or swapped in during setup,
// can redirect one of them. All a racing process sharing the image's
// filesystem could still do is rename the directory itself elsewhere on
// that filesystem, and a lookup per device had the same window, between
// its lookup and its mknodat.
type devDirs struct {
	s   *setup
	fds map[string]int // clean absolute path in the root -> O_PATH directory descriptor
}

// open returns the descriptor of dir, creating the directory as mount
// destinations are created (see mkdirAll). It stays open until close.
//
// /dev itself must be a real directory of the root filesystem (see
// mustBeDir), and no device directory may lead onto procfs or sysfs: the
// nodes, links and modes made there would otherwise go where an image
// symlink points.
func (c *devDirs) open(dir string) (int, error) {
	if fd, ok := c.fds[dir]; ok {
		return fd, nil
	}
	var fd int
	var err error
	if dir == "/dev" {
		fd, err = c.s.strictDirTarget(dir)
	} else {
		fd, err = c.s.dirTarget(dir)
	}
	if err != nil {
		return -1, err
	}
	c.fds[dir] = fd
	return fd, nil
}

func (c *devDirs) close() {
	for _, fd := range c.fds {
		unix.Close(fd)
	}
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

// errNoMknod says that mknod is not allowed here (no CAP_MKNOD, or a
// device cgroup forbids the device): a bind of the host's device stands in.
var errNoMknod = errors.New("mknod not permitted")

// mknod makes the node name in dir. It never follows a symlink: an
// existing name, symlink or not, fails with EEXIST.
func mknod(dir int, name string, typ, perm uint32, rdev int) error {
	err := unix.Mknodat(dir, name, typ|perm, rdev)
	if errors.Is(err, unix.EPERM) && typ != unix.S_IFIFO {
		return errNoMknod
	}
	if err != nil {
		return fmt.Errorf("mknod: %w", err)
	}
	return nil
}

// createDevice makes device d in the root: a node, or, where mknod is not
// allowed (a user namespace), a bind of the host's device onto an empty
// file. The node is tried first, since on a fresh /dev tmpfs nothing is
// there yet; what is there when mknod says EEXIST is examined, never
// followed.
func (s *setup) createDevice(dirs *devDirs, d specs.LinuxDevice) error {
	typ, rdev, err := deviceMode(d)
	if err != nil {
		return err
	}
	dest := path.Clean("/" + d.Path)
	if dest == "/" {
		return errors.New("device path is the root")
	}
	// A clean path's base is one component: never "", ".", ".." or
	// anything with a slash.
	dir, err := dirs.open(path.Dir(dest))
	if err != nil {
		return err
	}
	name := path.Base(dest)
	perm := uint32(0o666)
	if d.FileMode != nil {
		perm = uint32(d.FileMode.Perm())
	}
	bind := s.cfg.UserNS && typ != unix.S_IFIFO
	if !bind {
		err := mknod(dir, name, typ, perm, rdev)
		switch {
		case err == nil:
			return s.fixDevice(dir, name, typ, rdev, perm, d)
		case errors.Is(err, errNoMknod):
			bind = true
		case !errors.Is(err, unix.EEXIST):
			return err
		}
	}

	var st unix.Stat_t
	err = unix.Fstatat(dir, name, &st, unix.AT_SYMLINK_NOFOLLOW)
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
		if err := unix.Unlinkat(dir, name, 0); err != nil {
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
		err := mknod(dir, name, typ, perm, rdev)
		if err == nil {
			return s.fixDevice(dir, name, typ, rdev, perm, d)
		}
		if !errors.Is(err, errNoMknod) {
			return err
		}
	}
	fd, err := createFile(dir, name, dest, 0o600)
	if err != nil {
		return err
	}
	unix.Close(fd)
	return s.bindDevice(dir, name, dest, typ, rdev)
}

// fixDevice sets the mode (mknod's is cut by the umask) and owner of a
// node just made, through a descriptor verified to hold that node. Either
// change is skipped when the node already has what the spec asks for: a
// chown to the owner a file already has changes nothing on a device node
// or a FIFO (the set-id bits it would clear exist only on regular files).
func (s *setup) fixDevice(dir int, name string, typ uint32, rdev int, perm uint32, d specs.LinuxDevice) error {
	fd, err := unix.Openat(dir, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if !isDevice(&st, typ, rdev) {
		return errors.New("the node changed after mknod")
	}
	if st.Mode&0o7777 != perm {
		// chmod has no O_PATH form: go through the node's magic link,
		// in the procfs verified at the start of Setup.
		if err := unix.Fchmodat(s.proc, fdName(fd), perm, 0); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
	}
	var uid, gid uint32
	if d.UID != nil {
		uid = *d.UID
	}
	if d.GID != nil {
		gid = *d.GID
	}
	if st.Uid != uid || st.Gid != gid {
		if err := unix.Fchownat(fd, "", int(uid), int(gid), unix.AT_EMPTY_PATH); err != nil {
			return fmt.Errorf("chown: %w", err)
		}
	}
	return nil
}

// bindDevice binds the host's device at dest over the empty file name in
// dir. The host node must be the device the spec asks for.
func (s *setup) bindDevice(dir int, name, dest string, typ uint32, rdev int) error {
	src, err := unix.Open(dest, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open host device: %w", err)
	}
	defer unix.Close(src)
	var st unix.Stat_t
	if err := unix.Fstat(src, &st); err != nil {
		return fmt.Errorf("stat host device: %w", err)
	}
	if !isDevice(&st, typ, rdev) {
		return fmt.Errorf("host %s is not device %d:%d", dest, unix.Major(uint64(rdev)), unix.Minor(uint64(rdev)))
	}
	dst, err := unix.Openat(dir, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open bind target: %w", err)
	}
	defer unix.Close(dst)
	if err := unix.Fstat(dst, &st); err != nil {
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
