package bundle

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// Every entry is created with an *at call on (dirFd, base) that refuses an
// existing name (mkdirat, O_CREAT|O_EXCL|O_NOFOLLOW, symlinkat, linkat,
// mknodat all fail with EEXIST, even on a dangling symlink). When a name
// exists, the old entry is removed and the call repeated: a later entry
// replaces an earlier one and never writes through it.

// create runs mk, replacing whatever already holds the name.
func (u *unpacker) create(dirFd int, base string, mk func() error) error {
	err := mk()
	if errors.Is(err, unix.EEXIST) {
		if err := u.remove(dirFd, base); err != nil {
			return err
		}
		err = mk()
	}
	return err
}

// remove unlinks base from dirFd. A directory goes only when empty, as
// tar does, except in an image layer, where an entry of another type
// replaces a lower layer's directory with all it holds.
func (u *unpacker) remove(dirFd int, base string) error {
	u.cacheStale = true
	var err error
	if u.touched != nil {
		err = u.removeAllAt(dirFd, base)
	} else {
		err = unix.Unlinkat(dirFd, base, 0)
		if errors.Is(err, unix.EISDIR) {
			err = unix.Unlinkat(dirFd, base, unix.AT_REMOVEDIR)
		}
	}
	if err != nil {
		return fmt.Errorf("replace existing entry: %w", err)
	}
	return nil
}

func (u *unpacker) dir(dirFd int, base, rel string, hdr *tar.Header) error {
	// Created owner-only so an unprivileged caller can fill it whatever
	// its final mode; the mode is applied once the archive is done.
	err := unix.Mkdirat(dirFd, base, 0o700)
	if errors.Is(err, unix.EEXIST) {
		var st unix.Stat_t
		if err := unix.Fstatat(dirFd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("stat existing entry: %w", err)
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			err = nil // a directory again: merge, as tar does
		} else {
			err = u.create(dirFd, base, func() error { return unix.Mkdirat(dirFd, base, 0o700) })
		}
	}
	if err != nil {
		return fmt.Errorf("mkdir: %w", err)
	}
	if err := u.chown(dirFd, base, hdr); err != nil {
		return err
	}
	fd, err := unix.Openat(dirFd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open directory: %w", err)
	}
	err = u.setXattrs(hdr, func(name string, value []byte) error { return unix.Fsetxattr(fd, name, value, 0) })
	unix.Close(fd)
	if err != nil {
		return err
	}
	u.deferDir(rel, hdr)
	return nil
}

func (u *unpacker) file(dirFd int, base string, hdr *tar.Header, r io.Reader) error {
	var fd int
	err := u.create(dirFd, base, func() (err error) {
		fd, err = unix.Openat(dirFd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		return err
	})
	if err != nil {
		return fmt.Errorf("create file: %w", err)
	}
	f := os.NewFile(uintptr(fd), base)
	defer f.Close()
	if _, err := io.Copy(f, r); err != nil {
		return fmt.Errorf("write file: %w", err)
	}
	// Order matters: chown clears setuid/setgid and file capabilities, so
	// ownership goes first, then xattrs, then the mode.
	if u.opts.Privileged {
		if err := unix.Fchown(fd, hdr.Uid, hdr.Gid); err != nil {
			return fmt.Errorf("chown %d:%d: %w", hdr.Uid, hdr.Gid, err)
		}
	}
	if err := u.setXattrs(hdr, func(name string, value []byte) error { return unix.Fsetxattr(fd, name, value, 0) }); err != nil {
		return err
	}
	if err := unix.Fchmod(fd, mode(hdr)); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write file: %w", err)
	}
	return setTimes(dirFd, base, hdr)
}

func (u *unpacker) symlink(dirFd int, base string, hdr *tar.Header) error {
	// The target is stored as given, absolute or with "..": a symlink is
	// only created here, never followed, and inside the container it
	// resolves against the container's root.
	err := u.create(dirFd, base, func() error { return unix.Symlinkat(hdr.Linkname, dirFd, base) })
	if err != nil {
		return fmt.Errorf("symlink to %q: %w", hdr.Linkname, err)
	}
	if err := u.chown(dirFd, base, hdr); err != nil {
		return err
	}
	if err := u.setXattrs(hdr, u.pathXattr(dirFd, base)); err != nil {
		return err
	}
	return setTimes(dirFd, base, hdr)
}

func (u *unpacker) hardlink(dirFd int, base, rel string, hdr *tar.Header) error {
	target := clean(hdr.Linkname)
	switch {
	case target == "":
		return errors.New("hard link to the root")
	case target == rel:
		return nil // a link to itself: the entry is already there
	case u.skipped[target]:
		u.skipped[rel] = true
		return nil
	}
	// The target is looked up inside the root like any name, so a link
	// to "/etc/shadow" names the rootfs's own file (or fails), never the
	// host's. Its last component is not followed (linkat without
	// AT_SYMLINK_FOLLOW), so a symlink there is linked, not its target.
	tdir, tbase := path.Split(target)
	tdirFd := int(u.root.Fd())
	if tdir = strings.TrimSuffix(tdir, "/"); tdir != "" {
		h, err := pathrs.OpenatInRoot(u.root, tdir)
		if err != nil {
			return fmt.Errorf("hard link to %q: %w", hdr.Linkname, err)
		}
		defer h.Close()
		tdirFd = int(h.Fd())
	}
	err := u.create(dirFd, base, func() error { return unix.Linkat(tdirFd, tbase, dirFd, base, 0) })
	if err != nil {
		return fmt.Errorf("hard link to %q: %w", hdr.Linkname, err)
	}
	return nil
}

// node creates a device or a fifo.
func (u *unpacker) node(dirFd int, base, rel string, hdr *tar.Header) error {
	var kind uint32
	switch hdr.Typeflag {
	case tar.TypeChar:
		kind = unix.S_IFCHR
	case tar.TypeBlock:
		kind = unix.S_IFBLK
	default:
		kind = unix.S_IFIFO
	}
	if kind != unix.S_IFIFO && !u.opts.Privileged {
		// Only a privileged caller may make device nodes. The container's
		// /dev is a tmpfs populated at start anyway.
		u.warnOnce("devices", "skipping device nodes: creating them needs privileges", "first", hdr.Name)
		u.skipped[rel] = true
		return nil
	}
	dev := unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor))
	err := u.create(dirFd, base, func() error { return unix.Mknodat(dirFd, base, kind|0o600, int(dev)) })
	if err != nil {
		return fmt.Errorf("mknod: %w", err)
	}
	if err := u.chown(dirFd, base, hdr); err != nil {
		return err
	}
	if err := u.setXattrs(hdr, u.pathXattr(dirFd, base)); err != nil {
		return err
	}
	if err := chmodAt(dirFd, base, mode(hdr)); err != nil {
		return err
	}
	return setTimes(dirFd, base, hdr)
}
