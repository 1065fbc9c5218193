package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// In-root lookups on raw file descriptors.
//
// What keeps a lookup inside the root is the kernel's
// openat2(RESOLVE_IN_ROOT): every symlink, absolute or "..", is resolved
// as if the root were "/", and RESOLVE_NO_MAGICLINKS refuses the /proc
// magic links an image could plant to jump anywhere. pathrs-lite uses
// the same call, then names the *os.File it returns after a readlink of
// its /proc/thread-self/fd link, checking its procfs handle and the
// link's mount each time: a dozen system calls per lookup, for a name
// that only errors would show and that we already have (the path we
// asked for). Here the descriptor is returned bare.
//
// pathrs-lite stays the fallback where openat2 is missing (kernels
// before 5.6, or a seccomp filter that refuses it): it then emulates
// RESOLVE_IN_ROOT component by component, and its errors are the ones
// Setup has always reported.

// inRoot is the resolution of every lookup inside the root.
const inRoot = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// oneComponent resolves a single name in a directory we hold: no symlink
// at all, no ".." out of it, no crossing onto another mount.
const oneComponent = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_XDEV | unix.RESOLVE_NO_MAGICLINKS

// maxLookupRetries bounds the retries of a lookup the kernel asked to
// retry (see openat2).
const maxLookupRetries = 128

// openat2 opens p relative to dir with the given open flags (O_CLOEXEC is
// added) and resolve flags. A scoped lookup (RESOLVE_IN_ROOT or
// RESOLVE_BENEATH) fails with EAGAIN when a rename or a mount anywhere on
// the system raced with its resolution of "..", and with EXDEV when
// RESOLVE_IN_ROOT's final check finds the result outside the root after
// such a race: the kernel refused rather than returned something unsafe,
// and a retry is a fresh, equally checked lookup.
func openat2(dir int, p string, flags int, resolve uint64) (int, error) {
	how := unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Resolve: resolve}
	for tries := 0; ; tries++ {
		fd, err := unix.Openat2(dir, p, &how)
		if err == nil {
			return fd, nil
		}
		retry := errors.Is(err, unix.EAGAIN) || resolve&unix.RESOLVE_IN_ROOT != 0 && errors.Is(err, unix.EXDEV)
		if !retry || tries >= maxLookupRetries {
			return -1, err
		}
	}
}

// noOpenat2 reports whether err says that openat2 cannot be used at all:
// the kernel does not have it, or a seccomp filter refuses it.
func noOpenat2(err error) bool {
	return errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM)
}

// openInRoot opens p inside the directory root as O_PATH, plus flags
// (O_DIRECTORY to insist on a directory). Symlinks on the way and at the
// end are followed, but only inside root. The caller closes the result.
func openInRoot(root int, p string, flags int) (int, error) {
	fd, err := openat2(root, p, unix.O_PATH|flags, inRoot)
	if err == nil {
		return fd, nil
	}
	if noOpenat2(err) {
		return openInRootCompat(root, p, flags)
	}
	return -1, &os.PathError{Op: "open in root", Path: p, Err: err}
}

// openInRootCompat is openInRoot through pathrs-lite, for kernels without
// openat2.
func openInRootCompat(root int, p string, flags int) (int, error) {
	rootFile, err := dupFile(root, "/")
	if err != nil {
		return -1, err
	}
	defer rootFile.Close()
	f, err := pathrs.OpenatInRoot(rootFile, p)
	if err != nil {
		return -1, err
	}
	defer f.Close()
	if flags&unix.O_DIRECTORY != 0 {
		var st unix.Stat_t
		if err := unix.Fstat(int(f.Fd()), &st); err != nil {
			return -1, &os.PathError{Op: "stat", Path: p, Err: err}
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			return -1, &os.PathError{Op: "open in root", Path: p, Err: unix.ENOTDIR}
		}
	}
	return dupFd(int(f.Fd()), p)
}

// mkdirInRoot returns an O_PATH handle on the directory dir (a clean
// absolute path) inside root, creating it and its missing parents with
// mode 0755 (less the umask), as pathrs.MkdirAllHandle does.
//
// Two cases cover nearly every mount destination and device directory,
// and take one to four system calls: dir exists (one in-root lookup), or
// only its last component is missing (look up the parent, mkdirat the
// name in it, open that name). mkdirat never follows a symlink, and the
// new name is opened with no symlink and no mount crossing allowed: if
// something swapped it for a symlink since, this open fails rather than
// follow it. Everything else (several missing components, a symlink or a
// file in the way, a kernel without openat2) goes to pathrs-lite, whose
// checks and error messages are then the ones returned.
func mkdirInRoot(root int, dir string) (int, error) {
	fd, err := openat2(root, dir, unix.O_PATH|unix.O_DIRECTORY, inRoot)
	if err == nil {
		return fd, nil
	}
	if errors.Is(err, unix.ENOENT) {
		if fd, ok := mkdirLast(root, dir); ok {
			return fd, nil
		}
	}
	return mkdirInRootCompat(root, dir)
}

// mkdirLast creates the last component of dir when its parent exists,
// and opens it; ok is false when that is not the situation, or when
// anything went differently than planned.
func mkdirLast(root int, dir string) (fd int, ok bool) {
	parentPath, name := path.Split(dir)
	if name == "" || name == "." || name == ".." || parentPath == "" {
		return -1, false
	}
	parent, err := openat2(root, parentPath, unix.O_PATH|unix.O_DIRECTORY, inRoot)
	if err != nil {
		return -1, false
	}
	defer unix.Close(parent)
	if err := unix.Mkdirat(parent, name, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return -1, false
	}
	fd, err = openat2(parent, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW, oneComponent)
	if err != nil {
		return -1, false
	}
	return fd, true
}

// mkdirInRootCompat is mkdirInRoot through pathrs.MkdirAllHandle.
func mkdirInRootCompat(root int, dir string) (int, error) {
	rootFile, err := dupFile(root, "/")
	if err != nil {
		return -1, err
	}
	defer rootFile.Close()
	f, err := pathrs.MkdirAllHandle(rootFile, dir, 0o755)
	if err != nil {
		return -1, err
	}
	defer f.Close()
	return dupFd(int(f.Fd()), dir)
}

// dupFd duplicates fd, close-on-exec.
func dupFd(fd int, name string) (int, error) {
	d, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("dup %q: %w", name, err)
	}
	return d, nil
}

// dupFile returns an *os.File over a duplicate of fd, for the APIs that
// take one: closing it, or its finalizer, never closes fd itself.
func dupFile(fd int, name string) (*os.File, error) {
	d, err := dupFd(fd, name)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(d), name), nil
}
