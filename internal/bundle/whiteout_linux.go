package bundle

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// errNoDir reports that a whiteout's directory does not exist (or is not
// a directory), so there is nothing under it to remove.
var errNoDir = errors.New("no such directory")

// whiteout removes name, in the directory dir, as the lower layers left
// it. A name that is not one plain component ("", ".", "..") would make
// the removal aim at the directory itself or its parent: refused.
func (u *unpacker) whiteout(dir, name string) error {
	if name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
		return fmt.Errorf("whiteout of %q, which names no entry of its directory", name)
	}
	d, err := u.openNoFollow(dir)
	if errors.Is(err, errNoDir) {
		return nil // nothing there from a lower layer
	}
	if err != nil {
		return fmt.Errorf("whiteout: %w", err)
	}
	defer d.Close()
	u.cacheStale = true
	if err := u.makeWritable(d, dir); err != nil {
		return err
	}
	if err := u.removeLower(int(d.Fd()), name, path.Join(dir, name)); err != nil {
		return fmt.Errorf("whiteout: %w", err)
	}
	return nil
}

// opaque empties the directory dir of what the lower layers put in it.
func (u *unpacker) opaque(dir string) error {
	d, err := u.openNoFollow(dir)
	if errors.Is(err, errNoDir) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("opaque directory: %w", err)
	}
	defer d.Close()
	u.cacheStale = true
	if err := u.makeWritable(d, dir); err != nil {
		return err
	}
	if err := u.removeLowerChildren(int(d.Fd()), dir); err != nil {
		return fmt.Errorf("opaque directory: %w", err)
	}
	return nil
}

// openNoFollow opens the directory rel of the root one component at a
// time, following no symlink at all. A whiteout names the path the lower
// layers' entries had; a symlink on the way means the layer is hostile or
// broken, and resolving it even inside the root would remove something
// the layer did not name. rel is clean (no "." or ".." components).
func (u *unpacker) openNoFollow(rel string) (*os.File, error) {
	fd, err := unix.Openat(int(u.root.Fd()), ".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open root: %w", err)
	}
	if rel == "" {
		return os.NewFile(uintptr(fd), "/"), nil
	}
	walked := ""
	for _, c := range strings.Split(rel, "/") {
		walked = path.Join(walked, c)
		// O_PATH|O_NOFOLLOW opens a symlink itself, and O_DIRECTORY then
		// refuses it with ENOTDIR, as it refuses any other non-directory.
		next, err := unix.Openat(fd, c, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOTDIR) {
			var st unix.Stat_t
			if serr := unix.Fstatat(fd, c, &st, unix.AT_SYMLINK_NOFOLLOW); serr == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
				unix.Close(fd)
				return nil, fmt.Errorf("%q is a symlink; a whiteout may not go through one", walked)
			}
		}
		unix.Close(fd)
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			return nil, errNoDir
		}
		if err != nil {
			return nil, fmt.Errorf("open %q: %w", walked, err)
		}
		fd = next
	}
	return os.NewFile(uintptr(fd), rel), nil
}

// removeLower removes the entry name of dirFd (at rel in the root) unless
// this layer made it; a directory this layer made or merged into keeps
// its own entries and loses the lower layers' ones.
func (u *unpacker) removeLower(dirFd int, name, rel string) error {
	if !u.touched[rel] {
		return u.removeAllAt(dirFd, name)
	}
	var st unix.Stat_t
	if err := unix.Fstatat(dirFd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return fmt.Errorf("stat %q: %w", rel, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil
	}
	fd, err := unix.Openat(dirFd, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %q: %w", rel, err)
	}
	d := os.NewFile(uintptr(fd), rel)
	defer d.Close()
	if err := u.makeWritable(d, rel); err != nil {
		return err
	}
	return u.removeLowerChildren(fd, rel)
}

// removeLowerChildren applies removeLower to every entry of the directory
// dirFd, at rel in the root.
func (u *unpacker) removeLowerChildren(dirFd int, rel string) error {
	names, err := readNames(dirFd, rel)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := u.removeLower(dirFd, n, path.Join(rel, n)); err != nil {
			return err
		}
	}
	return nil
}

// removeAllAt removes name from dirFd and, for a directory, all it holds,
// without following any symlink: every step is an *at call on a
// directory fd opened with O_NOFOLLOW. A missing name is not an error.
func (u *unpacker) removeAllAt(dirFd int, name string) error {
	err := unix.Unlinkat(dirFd, name, 0)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	if !errors.Is(err, unix.EISDIR) {
		return fmt.Errorf("remove %q: %w", name, err)
	}
	open := func() (int, error) {
		return unix.Openat(dirFd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	}
	fd, err := open()
	if !u.opts.Privileged && errors.Is(err, unix.EACCES) {
		// A lower layer's directory without owner read permission: it is
		// going anyway, so open it up to empty it.
		if chmodAt(dirFd, name, 0o700) == nil {
			fd, err = open()
		}
	}
	if err != nil {
		return fmt.Errorf("open %q: %w", name, err)
	}
	if !u.opts.Privileged {
		// Removing its entries needs write permission on it. A failure
		// here shows as the unlink's own error below.
		_ = unix.Fchmod(fd, 0o700)
	}
	names, err := readNames(fd, name)
	for _, n := range names {
		if err != nil {
			break
		}
		err = u.removeAllAt(fd, n)
	}
	unix.Close(fd)
	if err != nil {
		return err
	}
	if err := unix.Unlinkat(dirFd, name, unix.AT_REMOVEDIR); err != nil {
		return fmt.Errorf("remove %q: %w", name, err)
	}
	return nil
}

// readNames lists the directory dirFd (named rel in errors).
func readNames(dirFd int, rel string) ([]string, error) {
	fd, err := unix.Openat(dirFd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", rel, err)
	}
	f := os.NewFile(uintptr(fd), rel)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", rel, err)
	}
	return names, nil
}
