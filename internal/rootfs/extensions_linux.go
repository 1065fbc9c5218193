package rootfs

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// extensionOptions are mount options that runc and crun define and the
// kernel does not know: the runtime acts on them itself. Passed to
// mount(2) as data they would make it fail with EINVAL (tmpfs) or, worse,
// be ignored without a word (a bind mount takes no data).
var extensionOptions = map[string]func(*mountOpts){
	// tmpcopyup: after a tmpfs is mounted, copy into it what the
	// directory it covers holds (copyup_linux.go). podman asks for it on
	// /run, /tmp, /var/tmp... so that a read-only image keeps its files
	// there, writable.
	"tmpcopyup": func(o *mountOpts) { o.copyUp = true },
	// notmpcopyup is podman's way of saying the opposite; podman removes
	// it before the runtime sees it, but if it does arrive it means only
	// "no copy", which later options win over like any other.
	"notmpcopyup": func(o *mountOpts) { o.copyUp = false },
	// copy-symlink (crun): a bind mount whose source is a symlink makes
	// the same symlink at the destination instead of binding what it
	// points to.
	"copy-symlink": func(o *mountOpts) { o.copySymlink = true },
	// idmap and ridmap: a bind mount whose files' owners are seen through
	// an id mapping (that of the container's user namespace, or the
	// mount's uidMappings and gidMappings), of its top mount or of every
	// mount it brings along. The runtime makes it (idmap_linux.go).
	"idmap":  func(o *mountOpts) { o.idmap = true },
	"ridmap": func(o *mountOpts) { o.idmap = true },
	// defaults is fstab's placeholder for "no options".
	"defaults": func(*mountOpts) {},
}

// refusedOption returns an error for the runtime extensions this package
// does not implement, so that none reaches mount(2) as data: the
// container would otherwise run with a mount other than the one asked
// for, or fail with a bare EINVAL.
func refusedOption(opt string) error {
	name, _, _ := strings.Cut(opt, "=")
	switch name {
	case "idmap", "ridmap":
		// Plain idmap and ridmap are extensions; this is crun's form
		// with the mappings inline, "idmap=uids=...;gids=...".
		return fmt.Errorf("option %q: mappings in the option are not supported; give the mount uidMappings and gidMappings", opt)
	case "src-nofollow", "dest-nofollow":
		// crun's: bind a symlink itself rather than what it points to.
		return fmt.Errorf("option %q (bind a symlink itself) is not supported; copy-symlink makes the same symlink at the destination", opt)
	case "rsync", "rasync", "rdirsync", "rmand", "rnomand":
		// crun's recursive forms of superblock flags: mount_setattr(2)
		// has no such attributes, and those flags belong to a
		// filesystem, not to the mounts below a bind.
		return fmt.Errorf("option %q is not supported: the flag has no recursive form", opt)
	}
	return nil
}

// checkExtensions refuses an extension on a mount it does not apply to.
func checkExtensions(fstype string, o *mountOpts) error {
	if o.copyUp {
		if fstype != "tmpfs" {
			return errors.New(`option "tmpcopyup" is only for tmpfs mounts`)
		}
		if o.flags&unix.MS_REMOUNT != 0 {
			return errors.New(`option "tmpcopyup" cannot be used with "remount"`)
		}
	}
	if o.copySymlink && fstype != "bind" {
		return errors.New(`option "copy-symlink" is only for bind mounts`)
	}
	if o.idmap {
		switch {
		case fstype != "bind":
			return errors.New(`options "idmap" and "ridmap" are only for bind mounts`)
		case o.flags&unix.MS_REMOUNT != 0:
			return errors.New(`options "idmap" and "ridmap" cannot be used with "remount"`)
		case o.copySymlink:
			return errors.New(`options "idmap" and "ridmap" cannot be used with "copy-symlink"`)
		}
	}
	return nil
}

// readlinkat reads a symlink's target, whatever its length. With name
// "" it reads the symlink that dirfd itself holds (an O_PATH |
// O_NOFOLLOW descriptor).
func readlinkat(dirfd int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}

// copySymlinkAt makes at dest, inside the root, a symlink to target: the
// copy-symlink extension, for a bind whose source is a symlink. The
// target is text and is not resolved now; inside the container it is
// resolved like any other symlink of the image. A destination that is
// already that very symlink is accepted (a container restarted on the
// same root filesystem); anything else there is an error, never
// replaced.
func (s *setup) copySymlinkAt(dest, target string) error {
	parent, err := s.mkdirAll(path.Dir(dest))
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	name := path.Base(dest)
	err = unix.Symlinkat(target, parent, name)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("symlink %q -> %q: %w", dest, target, err)
	}
	if have, rerr := readlinkat(parent, name); rerr != nil || have != target {
		return fmt.Errorf("copy-symlink: %q already exists and is not a symlink to %q", dest, target)
	}
	return nil
}
