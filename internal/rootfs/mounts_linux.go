package rootfs

import (
	"errors"
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
)

// mountError names the mount an error concerns, as a cerr operation and
// path so JSON error output carries them as fields.
func mountError(dest, fstype string, err error) error {
	return cerr.Op("mount", dest, fmt.Errorf("type %s: %w", fstype, err))
}

// mountEntry makes one of the spec's mounts, the index-th.
func (s *setup) mountEntry(index int, m specs.Mount) error {
	o, err := parseOptions(m.Options)
	if err != nil {
		return mountError(m.Destination, m.Type, err)
	}
	// A bind mount is told by its options; its type is conventionally
	// "bind" or "none" and says nothing to the kernel.
	fstype := m.Type
	if o.bind() || fstype == "bind" {
		fstype = "bind"
		o.flags |= unix.MS_BIND
	}
	if (len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0) && !o.idmap {
		// runtime-spec config.md: mappings go with idmap or ridmap.
		return mountError(m.Destination, fstype, errors.New("uidMappings and gidMappings need the idmap or ridmap option"))
	}
	if err := checkExtensions(fstype, o); err != nil {
		return mountError(m.Destination, fstype, err)
	}
	dest, err := cleanDest(m.Destination)
	if err != nil {
		return mountError(m.Destination, fstype, err)
	}
	switch fstype {
	case "bind":
		tree := noFd
		if o.idmap {
			if tree, err = s.mustTakeTree(index, m.Destination); err != nil {
				return mountError(dest, fstype, err)
			}
		}
		err = s.mountBind(dest, m.Source, tree, o)
	case "cgroup", "cgroup2":
		err = s.mountCgroup(dest, o)
	case "":
		err = errors.New("no filesystem type (and not a bind mount)")
	default:
		err = s.mountFS(dest, m.Source, fstype, o)
	}
	if err != nil {
		return mountError(dest, fstype, err)
	}
	return nil
}

// mustBeDir lists destinations that must be real directories of the
// image, whatever is mounted there.
//
// /dev is one (CVE-2026-41579): an image whose /dev is a symlink is
// refused rather than followed inside the root or replaced. Followed, it
// decides where the runtime makes device nodes, the /dev symlinks, the
// console and the /dev/null that masking binds everywhere, and, aimed at
// /proc/sys or /sys/..., where the /dev tmpfs lands. Replaced, the
// runtime would be deleting a file of the image, which may be a shared
// layer or volume. No working image needs /dev to be a symlink.
func mustBeDir(dest, fstype string) bool {
	return fstype == "proc" || fstype == "sysfs" || dest == "/proc" || dest == "/sys" || dest == "/dev"
}

// procOnly refuses anything but a procfs at /proc: the runtime and the
// container's tools trust what is there (sysctls, id maps, security
// labels), and a tmpfs or a bind of an ordinary directory would let an
// image or a host directory provide those files.
func procOnly(dest string, isProc bool) error {
	if dest == "/proc" && !isProc {
		return errors.New("only a procfs (a proc mount, or a bind of one) may be mounted on /proc")
	}
	return nil
}

// remountExisting applies a "remount" entry to the mount already at dest.
func (s *setup) remountExisting(dest, source, fstype string, o *mountOpts) error {
	top, err := openInRoot(s.root, dest, 0)
	if err != nil {
		return fmt.Errorf("open %q in the root: %w", dest, err)
	}
	defer unix.Close(top)
	// A remount changes the flags of whatever mount dest leads to: that
	// of the container's /proc, through a symlink, is not the spec's.
	if err := s.checkTarget(dest, top); err != nil {
		return err
	}
	if o.bind() {
		err = s.remountBind(top, o.flags, o.touched)
	} else {
		err = s.mountFd(source, noFd, top, fstype, o.flags&^unix.MS_REC, o.dataString())
	}
	if err != nil {
		return err
	}
	return s.finish(top, o)
}

// mountFS mounts a new instance of a filesystem (proc, sysfs, tmpfs,
// devpts, mqueue or any other type) at dest.
func (s *setup) mountFS(dest, source, fstype string, o *mountOpts) error {
	if o.flags&unix.MS_REMOUNT != 0 {
		return s.remountExisting(dest, source, fstype, o)
	}
	if err := procOnly(dest, fstype == "proc"); err != nil {
		return err
	}
	var dst int
	var err error
	if mustBeDir(dest, fstype) {
		dst, err = s.strictDirTarget(dest)
	} else {
		dst, err = s.dirTarget(dest)
	}
	if err != nil {
		return err
	}
	defer unix.Close(dst)
	if source == "" {
		source = fstype
	}
	flags := o.flags &^ unix.MS_REC
	var covered *os.File
	if o.copyUp {
		// The directory the tmpfs is about to cover is opened now: once
		// the tmpfs is there, no lookup reaches it, but this descriptor
		// still does.
		if covered, err = openCovered(dst, dest); err != nil {
			return err
		}
		defer covered.Close()
		// A read-only tmpfs is filled first and made read-only after.
		flags &^= unix.MS_RDONLY
	}
	data := withMountLabel(o.dataString(), fstype, mountLabel(s.spec))
	if err := s.mountFd(source, noFd, dst, fstype, flags, data); err != nil {
		// In a user namespace, sysfs can only be mounted by the owner of
		// the network namespace, and mqueue by the owner of the IPC
		// namespace. A container sharing the host's gets the host's
		// instance, bound with the same restrictions.
		if errors.Is(err, unix.EPERM) && s.cfg.UserNS {
			switch fstype {
			case "sysfs":
				return s.bindHost(dest, dst, "/sys", fstype, o)
			case "mqueue":
				return s.bindHost(dest, dst, "/dev/mqueue", fstype, o)
			}
		}
		return err
	}
	top, err := s.reopenMounted(dest, dst)
	if err != nil {
		return err
	}
	defer unix.Close(top)
	// For proc this is the check that the procfs really is at dest
	// (CVE-2019-16884); for the others it costs one statfs.
	if err := checkFSType(top, fstype); err != nil {
		return err
	}
	if o.copyUp {
		if err := s.copyUp(covered, top, dest); err != nil {
			return err
		}
		if o.flags&unix.MS_RDONLY != 0 {
			if err := s.remountBind(top, o.flags, o.touched); err != nil {
				return err
			}
		}
	}
	return s.finish(top, o)
}

// bindHost binds the host's instance of a filesystem (its mount at
// hostPath) where a new instance could not be mounted, and applies the
// options' flags to it and to every mount below it: a recursive bind of
// /sys brings the host's /sys/fs/cgroup and the like along, which must
// not stay writable under a read-only /sys.
func (s *setup) bindHost(dest string, dst int, hostPath, fstype string, o *mountOpts) error {
	src, err := unix.Open(hostPath, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open host %s: %w", hostPath, err)
	}
	defer unix.Close(src)
	if err := checkFSType(src, fstype); err != nil {
		return fmt.Errorf("host %s: %w", hostPath, err)
	}
	if err := s.mountFd("", src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind host %s: %w", hostPath, err)
	}
	top, err := s.reopenMounted(dest, dst)
	if err != nil {
		return err
	}
	defer unix.Close(top)
	if o.needsRemount() {
		if err := s.remountBind(top, o.flags, o.touched); err != nil {
			return err
		}
	}
	if attr := recursiveFromFlags(o.flags); attr.Attr_set != 0 {
		if err := setRecursive(top, &attr); err != nil {
			return err
		}
	}
	return s.finish(top, o)
}

// recursiveFromFlags turns the restricting per-mount flags into
// mount_setattr attributes.
func recursiveFromFlags(flags uintptr) unix.MountAttr {
	var a unix.MountAttr
	for ms, attr := range map[uintptr]uint64{
		unix.MS_RDONLY: unix.MOUNT_ATTR_RDONLY,
		unix.MS_NOSUID: unix.MOUNT_ATTR_NOSUID,
		unix.MS_NODEV:  unix.MOUNT_ATTR_NODEV,
		unix.MS_NOEXEC: unix.MOUNT_ATTR_NOEXEC,
	} {
		if flags&ms != 0 {
			a.Attr_set |= attr
		}
	}
	return a
}

// openSource opens a bind mount's source on the host. A relative source
// is relative to the working directory Setup was called in (the bundle).
// With noFollow a source that is a symlink is opened as the symlink.
func (s *setup) openSource(source string, noFollow bool) (int, error) {
	if source == "" {
		return -1, errors.New("bind mount without a source")
	}
	flags := unix.O_PATH | unix.O_CLOEXEC
	if noFollow {
		flags |= unix.O_NOFOLLOW
	}
	fd, err := unix.Openat(s.cwd, source, flags, 0)
	if err != nil {
		return -1, fmt.Errorf("open source %q: %w", source, err)
	}
	return fd, nil
}

// mountBind binds a host file or directory at dest. With a tree (not
// noFd: an id-mapped copy of the source, idmap_linux.go), it moves the
// tree there instead, and closes it.
func (s *setup) mountBind(dest, source string, tree int, o *mountOpts) error {
	if o.flags&unix.MS_REMOUNT != 0 {
		return s.remountExisting(dest, "", "", o)
	}
	src := tree
	var err error
	if src == noFd {
		if src, err = s.openSource(source, o.copySymlink); err != nil {
			return err
		}
	}
	defer unix.Close(src)
	var st unix.Stat_t
	if err := unix.Fstat(src, &st); err != nil {
		return fmt.Errorf("stat source %q: %w", source, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		// A source is opened as a symlink only with copy-symlink.
		target, err := readlinkat(src, "")
		if err != nil {
			return fmt.Errorf("read symlink %q: %w", source, err)
		}
		return s.copySymlinkAt(dest, target)
	}
	if dest == "/proc" {
		if err := procOnly(dest, checkFSType(src, "proc") == nil); err != nil {
			return fmt.Errorf("source %q: %w", source, err)
		}
	}
	isDir := st.Mode&unix.S_IFMT == unix.S_IFDIR
	var dst int
	switch {
	case mustBeDir(dest, ""):
		if !isDir {
			return fmt.Errorf("source %q is not a directory", source)
		}
		dst, err = s.strictDirTarget(dest)
	case isDir:
		dst, err = s.dirTarget(dest)
	default:
		dst, err = s.fileTarget(dest)
	}
	if err != nil {
		return err
	}
	defer unix.Close(dst)
	if tree != noFd {
		err = moveTree(tree, dst)
	} else {
		err = s.mountFd("", src, dst, "", unix.MS_BIND|o.flags&unix.MS_REC, "")
	}
	if err != nil {
		return fmt.Errorf("bind %q: %w", source, err)
	}
	top, err := s.reopenMounted(dest, dst)
	if err != nil {
		return err
	}
	defer unix.Close(top)
	if o.needsRemount() {
		if err := s.remountBind(top, o.flags, o.touched); err != nil {
			return err
		}
	}
	// MS_REMOUNT changes only the top mount of a recursive bind: "ro"
	// (nosuid, nodev, noexec) must also reach the mounts brought along
	// below it, or an "rbind,ro" of /sys would leave the host's cgroup
	// hierarchies writable under it. Explicit recursive attributes
	// ("rro", "rrw"...) are applied after, by finish, and win.
	if o.flags&unix.MS_REC != 0 {
		if attr := recursiveFromFlags(o.flags); attr.Attr_set != 0 {
			if err := setRecursive(top, &attr); err != nil {
				return err
			}
		}
	}
	return s.finish(top, o)
}
