package rootfs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The tmpcopyup extension: a tmpfs mounted over a directory of the image
// starts with a copy of what that directory holds, so a read-only image
// keeps its files in /run or /tmp and they are writable there.
//
// The copy goes from a descriptor on the covered directory, opened
// before the tmpfs was mounted, to a descriptor on the new tmpfs's root,
// looked up in the root and verified to be the new mount. Every step
// below is a *at system call on a name that is a direct child of a
// directory descriptor, with O_NOFOLLOW or AT_SYMLINK_NOFOLLOW: no path
// is resolved, so no symlink of the image (an absolute one, or "../..")
// can send a read or a write outside either directory. Symlinks are
// copied as symlinks, with their target as text. Each file is opened
// once and its type checked on the open descriptor, so one swapped for
// something else between the listing and the copy (through a shared
// volume) is noticed, never opened blindly: a FIFO is never opened at
// all, nor a device.
//
// Copied: regular files, directories, symlinks, FIFOs, sockets and
// device nodes, with owner, mode (set-id bits included), access and
// modification times, and the extended attributes of files and
// directories where the kernel allows setting them. Hard links become
// separate copies, as with runc and crun.

// copier holds the state of one copy.
type copier struct {
	proc int // the runtime's procfs, for magic links (see fdName)
	// ancestors are the directories being copied, from the top down: a
	// directory that shows up again below itself (a bind mount of one of
	// its parents) would make the copy endless.
	ancestors []fileID
}

type fileID struct{ dev, ino uint64 }

// openCovered opens for reading the directory that dst (an O_PATH handle
// on a mount destination) names. Called before a mount is made there, it
// returns the directory that the mount will cover, and keeps reaching it
// afterwards. "." cannot be a symlink.
func openCovered(dst int, dest string) (*os.File, error) {
	fd, err := unix.Openat(dst, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", dest, err)
	}
	return os.NewFile(uintptr(fd), dest), nil
}

// copyUp copies the contents of covered, the directory a tmpfs was just
// mounted over, into the tmpfs, whose root top holds (from
// reopenMounted). The tmpfs's root keeps the mode and owner its options
// gave it.
func (s *setup) copyUp(covered *os.File, top int, dest string) error {
	dst, err := openCovered(top, dest)
	if err != nil {
		return fmt.Errorf("tmpcopyup: %w", err)
	}
	defer dst.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(covered.Fd()), &st); err != nil {
		return fmt.Errorf("tmpcopyup: stat %q: %w", dest, err)
	}
	c := &copier{proc: s.proc, ancestors: []fileID{{st.Dev, st.Ino}}}
	if err := c.copyDir(covered, dst, dest); err != nil {
		return fmt.Errorf("tmpcopyup: %w", err)
	}
	return nil
}

// copyDir copies every entry of the directory src into dst. display is
// src's path in the container, for errors.
func (c *copier) copyDir(src, dst *os.File, display string) error {
	names, err := src.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("read directory %q: %w", display, err)
	}
	for _, name := range names {
		if err := c.copyEntry(src, dst, name, path.Join(display, name)); err != nil {
			return err
		}
	}
	return nil
}

func (c *copier) copyEntry(src, dst *os.File, name, display string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(int(src.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("stat %q: %w", display, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return c.copySubdir(src, dst, name, display)
	case unix.S_IFREG:
		return copyFile(src, dst, name, display)
	case unix.S_IFLNK:
		return copySymlink(src, dst, name, display, &st)
	case unix.S_IFIFO, unix.S_IFSOCK, unix.S_IFCHR, unix.S_IFBLK:
		return c.copyNode(dst, name, display, &st)
	}
	return fmt.Errorf("%q: unknown file type %#o", display, st.Mode&unix.S_IFMT)
}

// openat opens name in dir, never following a symlink.
func openat(dir *os.File, name string, flags int, mode uint32, display string) (*os.File, error) {
	fd, err := unix.Openat(int(dir.Fd()), name, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", display, err)
	}
	return os.NewFile(uintptr(fd), display), nil
}

func (c *copier) copySubdir(src, dst *os.File, name, display string) error {
	from, err := openat(src, name, unix.O_RDONLY|unix.O_DIRECTORY, 0, display)
	if err != nil {
		return err
	}
	defer from.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(from.Fd()), &st); err != nil {
		return fmt.Errorf("stat %q: %w", display, err)
	}
	id := fileID{st.Dev, st.Ino}
	if slices.Contains(c.ancestors, id) {
		return fmt.Errorf("%q contains itself (a bind mount of a parent directory?)", display)
	}
	// Made private (0700) until its contents are in and its own mode is
	// set, last.
	if err := unix.Mkdirat(int(dst.Fd()), name, 0o700); err != nil {
		return fmt.Errorf("mkdir %q: %w", display, err)
	}
	to, err := openat(dst, name, unix.O_RDONLY|unix.O_DIRECTORY, 0, display)
	if err != nil {
		return err
	}
	defer to.Close()
	c.ancestors = append(c.ancestors, id)
	err = c.copyDir(from, to, display)
	c.ancestors = c.ancestors[:len(c.ancestors)-1]
	if err != nil {
		return err
	}
	// The directory's times are set after its entries were made, which
	// changed them.
	return setMetadata(from, to, &st, display)
}

func copyFile(src, dst *os.File, name, display string) error {
	// O_NONBLOCK: should the entry have become a FIFO since it was
	// listed, opening it must not wait for a writer. The type is then
	// checked on what was opened.
	fd, err := unix.Openat(int(src.Fd()), name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %q: %w", display, err)
	}
	from := os.NewFile(uintptr(fd), display)
	defer from.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat %q: %w", display, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("%q changed while being copied: no longer a regular file", display)
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		return fmt.Errorf("%q: %w", display, err)
	}
	// O_EXCL: a new file of our own, in a directory we just made.
	to, err := openat(dst, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, 0o600, display)
	if err != nil {
		return err
	}
	defer to.Close()
	if _, err := io.Copy(to, from); err != nil {
		return fmt.Errorf("copy %q: %w", display, err)
	}
	return setMetadata(from, to, &st, display)
}

// setMetadata gives to (an open file or directory) the owner, extended
// attributes, mode and times of from, whose stat st is. Ownership comes
// first, because chown clears the set-id bits and file capabilities;
// the times last, because the others change the inode.
func setMetadata(from, to *os.File, st *unix.Stat_t, display string) error {
	fd := int(to.Fd())
	if err := unix.Fchown(fd, int(st.Uid), int(st.Gid)); err != nil {
		return fmt.Errorf("chown %q to %d:%d: %w", display, st.Uid, st.Gid, err)
	}
	if err := copyXattrs(from, to, display); err != nil {
		return err
	}
	if err := unix.Fchmod(fd, st.Mode&0o7777); err != nil {
		return fmt.Errorf("chmod %q: %w", display, err)
	}
	ts := [2]unix.Timespec{st.Atim, st.Mtim}
	if err := futimens(fd, &ts); err != nil {
		return fmt.Errorf("set times of %q: %w", display, err)
	}
	return nil
}

// futimens is utimensat(fd, NULL, ts, 0): the times of the file fd holds.
func futimens(fd int, ts *[2]unix.Timespec) error {
	_, _, errno := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(ts)), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// copySymlink makes the same symlink in dst: its target is copied as
// text, never followed.
func copySymlink(src, dst *os.File, name, display string, st *unix.Stat_t) error {
	target, err := readlinkat(int(src.Fd()), name)
	if err != nil {
		return fmt.Errorf("read symlink %q: %w", display, err)
	}
	if err := unix.Symlinkat(target, int(dst.Fd()), name); err != nil {
		return fmt.Errorf("symlink %q: %w", display, err)
	}
	if err := unix.Fchownat(int(dst.Fd()), name, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown %q to %d:%d: %w", display, st.Uid, st.Gid, err)
	}
	ts := []unix.Timespec{st.Atim, st.Mtim}
	if err := unix.UtimesNanoAt(int(dst.Fd()), name, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times of %q: %w", display, err)
	}
	return nil
}

// copyNode makes a FIFO, socket or device node like the one described by
// st. Such files are never opened for reading or writing: the new one is
// held by an O_PATH descriptor, and changed through it or through its
// magic link (chmod has no form that takes an O_PATH descriptor and no
// symlink-safe form on every kernel).
func (c *copier) copyNode(dst *os.File, name, display string, st *unix.Stat_t) error {
	kind := st.Mode & unix.S_IFMT
	if err := unix.Mknodat(int(dst.Fd()), name, kind|0o600, int(st.Rdev)); err != nil {
		if errors.Is(err, unix.EPERM) && (kind == unix.S_IFCHR || kind == unix.S_IFBLK) {
			return fmt.Errorf("mknod %q: %w (device nodes cannot be made in a user namespace)", display, err)
		}
		return fmt.Errorf("mknod %q: %w", display, err)
	}
	f, err := openat(dst, name, unix.O_PATH, 0, display)
	if err != nil {
		return err
	}
	defer f.Close()
	var now unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &now); err != nil {
		return fmt.Errorf("stat %q: %w", display, err)
	}
	if now.Mode&unix.S_IFMT != kind {
		return fmt.Errorf("%q changed while being copied", display)
	}
	if err := unix.Fchownat(int(f.Fd()), "", int(st.Uid), int(st.Gid), unix.AT_EMPTY_PATH); err != nil {
		return fmt.Errorf("chown %q to %d:%d: %w", display, st.Uid, st.Gid, err)
	}
	link := fdName(int(f.Fd()))
	if err := unix.Fchmodat(c.proc, link, st.Mode&0o7777, 0); err != nil {
		return fmt.Errorf("chmod %q: %w", display, err)
	}
	ts := []unix.Timespec{st.Atim, st.Mtim}
	if err := unix.UtimesNanoAt(c.proc, link, ts, 0); err != nil {
		return fmt.Errorf("set times of %q: %w", display, err)
	}
	return nil
}
