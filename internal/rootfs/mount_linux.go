package rootfs

import (
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"
)

// mqueueMagic is the mqueue filesystem's statfs f_type (not in x/sys/unix).
const mqueueMagic = 0x19800202

// fsMagic is the statfs f_type each filesystem type must show once
// mounted, checked so that a mount that landed somewhere unexpected (or a
// destination swapped for another filesystem) is noticed.
var fsMagic = map[string]int64{
	"proc":    unix.PROC_SUPER_MAGIC,
	"sysfs":   unix.SYSFS_MAGIC,
	"tmpfs":   unix.TMPFS_MAGIC,
	"devpts":  unix.DEVPTS_SUPER_MAGIC,
	"mqueue":  mqueueMagic,
	"cgroup":  unix.CGROUP_SUPER_MAGIC,
	"cgroup2": unix.CGROUP2_SUPER_MAGIC,
}

// fdName is the path, relative to the procfs root, of the magic link to
// fd. The kernel follows such a link to the very file fd holds, with no
// new path resolution that a symlink in the container could redirect.
func fdName(fd int) string {
	return "thread-self/fd/" + strconv.Itoa(fd)
}

// noFd stands for "no descriptor" where one is optional.
const noFd = -1

// mountFd calls mount(2) with the destination, and the source when src is
// not noFd, given as magic links to open descriptors.
//
// The links are resolved relative to the working directory, set to the
// runtime's own procfs (s.proc, opened and verified before anything in
// the container could have changed): so this works before pivot_root
// through the host's /proc and after it too, whether or not the container
// mounts a /proc, without trusting a /proc the container's spec or image
// provides. The fchdir is done for every call, not once: it costs less
// than a microsecond, and nothing then depends on what ran in between
// (hooks, a terminal) leaving the working directory alone.
func (s *setup) mountFd(source string, src, dst int, fstype string, flags uintptr, data string) error {
	if src != noFd {
		source = fdName(src)
	}
	if err := unix.Fchdir(s.proc); err != nil {
		return fmt.Errorf("enter procfs: %w", err)
	}
	return unix.Mount(source, fdName(dst), fstype, flags, data)
}

// remountBind changes the per-mount flags of the mount whose root top
// holds, keeping the flags the options did not name (see remountFlags).
func (s *setup) remountBind(top int, want, touched uintptr) error {
	var st unix.Statfs_t
	if err := unix.Fstatfs(top, &st); err != nil {
		return fmt.Errorf("statfs: %w", err)
	}
	current := statfsFlags(st.Flags)
	flags := remountFlags(want, touched, current)
	if err := s.mountFd("", noFd, top, "", flags, ""); err != nil {
		if errors.Is(err, unix.EPERM) {
			if lost := current & lockableFlags &^ flags; lost != 0 {
				return fmt.Errorf("remount: %w (the mount has %s, which the user namespace may lock)", err, flagNames(lost))
			}
		}
		return fmt.Errorf("remount: %w", err)
	}
	return nil
}

// setRecursive applies mount_setattr(2) attributes to the mount whose root
// top holds and to every mount below it.
func setRecursive(top int, attr *unix.MountAttr) error {
	if err := unix.MountSetattr(top, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, attr); err != nil {
		return fmt.Errorf("mount_setattr: %w", err)
	}
	return nil
}

// finish applies what comes after a mount exists: propagation, then
// recursive attributes.
func (s *setup) finish(top int, o *mountOpts) error {
	for _, p := range o.propagation {
		if err := s.mountFd("", noFd, top, "", p, ""); err != nil {
			return fmt.Errorf("set propagation: %w", err)
		}
	}
	if o.hasRec() {
		attr := o.rec
		return setRecursive(top, &attr)
	}
	return nil
}

// mountID returns the id of the mount fd is on and whether fd is that
// mount's root.
func mountID(fd int) (id uint64, root bool, err error) {
	var stx unix.Statx_t
	err = unix.Statx(fd, "", unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW, unix.STATX_MNT_ID, &stx)
	if err != nil {
		return 0, false, fmt.Errorf("statx: %w", err)
	}
	if stx.Mask&unix.STATX_MNT_ID == 0 {
		return 0, false, errors.New("statx: kernel gave no mount id")
	}
	return stx.Mnt_id, stx.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0 && stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0, nil
}

// reopenMounted returns a handle on the root of the mount just made over
// under, the handle the mount was made through.
//
// That handle still names the directory beneath the new mount (a magic
// link does not cross mount points), so remounts, propagation changes and
// statfs checks need a fresh lookup. The lookup is done inside the root
// again, and its result must be a mount root on a different mount than
// under: if the destination was swapped meanwhile, this fails instead of
// changing a mount we did not make.
func (s *setup) reopenMounted(dest string, under int) (int, error) {
	oldID, _, err := mountID(under)
	if err != nil {
		return -1, err
	}
	top, err := openInRoot(s.root, dest, 0)
	if err != nil {
		return -1, fmt.Errorf("reopen after mounting: %w", err)
	}
	id, root, err := mountID(top)
	if err != nil {
		unix.Close(top)
		return -1, err
	}
	if id == oldID || !root {
		unix.Close(top)
		return -1, fmt.Errorf("reopen after mounting: %q is not the new mount (destination changed while mounting?)", dest)
	}
	return top, nil
}

// reopenChild is reopenMounted for a direct child of a directory this
// package created and no one else can reach yet (the cgroup tmpfs): a
// plain openat from the parent crosses the new mount point. parentID is
// the mount the parent is on, which the child was on before the mount:
// nothing else can have been mounted there.
func reopenChild(parent int, name string, parentID uint64) (int, error) {
	top, err := unix.Openat(parent, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("reopen after mounting: %w", err)
	}
	if id, root, err := mountID(top); err != nil || id == parentID || !root {
		unix.Close(top)
		if err == nil {
			err = fmt.Errorf("reopen after mounting: %q is not the new mount", name)
		}
		return -1, err
	}
	return top, nil
}

// checkFSType verifies that fd is on a filesystem of type fstype, when the
// type is one this package knows.
func checkFSType(fd int, fstype string) error {
	magic, ok := fsMagic[fstype]
	if !ok {
		return nil
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return fmt.Errorf("statfs: %w", err)
	}
	if st.Type != magic {
		return fmt.Errorf("mounted filesystem is not %s (statfs type %#x)", fstype, st.Type)
	}
	return nil
}
