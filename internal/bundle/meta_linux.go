package bundle

import (
	"archive/tar"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// mode returns the permission bits of an entry, with setuid, setgid and
// sticky (tar stores them in the same octal positions as st_mode).
func mode(hdr *tar.Header) uint32 { return uint32(hdr.Mode) & 0o7777 }

func (u *unpacker) chown(dirFd int, base string, hdr *tar.Header) error {
	if !u.opts.Privileged {
		return nil
	}
	if err := unix.Fchownat(dirFd, base, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown %d:%d: %w", hdr.Uid, hdr.Gid, err)
	}
	return nil
}

// chmodAt sets the mode of base, which must not be a symlink (a symlink's
// mode means nothing on Linux, and chmod would follow it).
func chmodAt(dirFd int, base string, m uint32) error {
	err := unix.Fchmodat(dirFd, base, m, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) {
		// No fchmodat2 (Linux < 6.6). Check the type first: the tree is
		// being built by this process in a directory no one else writes,
		// so the entry cannot change between the check and the chmod.
		var st unix.Stat_t
		if err := unix.Fstatat(dirFd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return nil
		}
		err = unix.Fchmodat(dirFd, base, m, 0)
	}
	if err != nil {
		return fmt.Errorf("chmod %04o: %w", m, err)
	}
	return nil
}

// setTimes sets the access and modification times of base itself.
func setTimes(dirFd int, base string, hdr *tar.Header) error {
	mtime := hdr.ModTime
	atime := hdr.AccessTime
	if atime.IsZero() {
		atime = mtime
	}
	ts := []unix.Timespec{timespec(atime), timespec(mtime)}
	if err := unix.UtimesNanoAt(dirFd, base, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

func timespec(t time.Time) unix.Timespec {
	return unix.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// pathXattr sets xattrs on an entry that cannot be opened for writing (a
// symlink, device or fifo) through the directory fd's /proc link:
// lsetxattr does not follow the final component. This is this process's
// own /proc, not one a container controls.
func (u *unpacker) pathXattr(dirFd int, base string) func(string, []byte) error {
	p := fmt.Sprintf("/proc/self/fd/%d/%s", dirFd, base)
	return func(name string, value []byte) error { return unix.Lsetxattr(p, name, value, 0) }
}

const paxXattr = "SCHILY.xattr."

// setXattrs applies the entry's PAX xattr records with set. Attributes the
// caller may not set (security.* and trusted.* without privileges) or the
// filesystem cannot hold are skipped with one warning each.
func (u *unpacker) setXattrs(hdr *tar.Header, set func(name string, value []byte) error) error {
	var names []string
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, paxXattr) {
			names = append(names, strings.TrimPrefix(k, paxXattr))
		}
	}
	sort.Strings(names)
	for _, name := range names {
		err := set(name, []byte(hdr.PAXRecords[paxXattr+name]))
		switch {
		case err == nil:
		case errors.Is(err, unix.ENOTSUP):
			u.warnOnce("xattr-unsupported:"+name, "skipping extended attribute the filesystem does not support",
				"xattr", name, "first", hdr.Name)
		case !u.opts.Privileged && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES)) &&
			(strings.HasPrefix(name, "security.") || strings.HasPrefix(name, "trusted.")):
			u.warnOnce("xattr-denied:"+name, "skipping extended attribute that needs privileges",
				"xattr", name, "first", hdr.Name)
		default:
			return fmt.Errorf("set xattr %q: %w", name, err)
		}
	}
	return nil
}

// dirMeta is what is applied to a directory after the whole archive: its
// mode, since a read-only mode would stop an unprivileged caller adding
// its contents, and its times, since adding contents changes them.
type dirMeta struct {
	rel string
	hdr *tar.Header
}

func (u *unpacker) deferDir(rel string, hdr *tar.Header) {
	if i, ok := u.dirIndex[rel]; ok {
		u.dirs[i].hdr = hdr // the last entry for a directory wins
		return
	}
	u.dirIndex[rel] = len(u.dirs)
	u.dirs = append(u.dirs, dirMeta{rel: rel, hdr: hdr})
}

// finish applies the deferred directory metadata, deepest first, so that
// neither a parent's new mode blocks reaching its children nor a child's
// change touches a parent already done.
func (u *unpacker) finish() error {
	sort.SliceStable(u.dirs, func(i, j int) bool {
		return depth(u.dirs[i].rel) > depth(u.dirs[j].rel)
	})
	for _, d := range u.dirs {
		if err := u.finishDir(d); err != nil {
			return fmt.Errorf("unpack %q: %w", d.hdr.Name, err)
		}
	}
	return nil
}

func depth(rel string) int {
	if rel == "" {
		return 0
	}
	return strings.Count(rel, "/") + 1
}

func (u *unpacker) finishDir(d dirMeta) error {
	dirFd, base := int(u.rootParent.Fd()), u.rootBase
	if d.rel != "" {
		dirFd, base = int(u.root.Fd()), d.rel
		if i := strings.LastIndexByte(d.rel, '/'); i >= 0 {
			h, err := pathrs.OpenatInRoot(u.root, d.rel[:i])
			if err != nil {
				return fmt.Errorf("reopen parent: %w", err)
			}
			defer h.Close()
			dirFd, base = int(h.Fd()), d.rel[i+1:]
		}
	}
	var st unix.Stat_t
	if err := unix.Fstatat(dirFd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil // replaced by a later entry, which set its own metadata
	}
	if err := chmodAt(dirFd, base, mode(d.hdr)); err != nil {
		return err
	}
	return setTimes(dirFd, base, d.hdr)
}
