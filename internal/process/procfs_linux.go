package process

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/cyphar/filepath-securejoin/pathrs-lite/procfs"
	"golang.org/x/sys/unix"
)

// procRootIno is the inode number the kernel gives the root directory of
// every procfs mount (PROC_ROOT_INO).
const procRootIno = 1

// ProcFS is a handle on the root of a procfs mount, verified to be one,
// through which the init reads and writes /proc files after pivot_root.
//
// There, the path /proc means whatever the image and the spec made of
// it: a directory of plain files when no procfs is mounted, a procfs with
// a host file bound over one of its files, a symlink planted to redirect
// a write (CVE-2025-52881, audit E2). Opening "/proc/sys/..." by path
// would follow all of these. So the root comes from pathrs-lite's procfs
// package, which prefers a procfs instance of its own (fsopen, or a
// non-recursive detached clone of /proc, so no overmount comes along) and
// checks that what it got is the root of a procfs mount; each file is
// then opened beneath that root with openat2 RESOLVE_NO_XDEV, which
// refuses to cross any mount, the overmount of a single file included.
type ProcFS struct {
	lib  *procfs.Handle
	root *os.File // O_PATH, the root directory of lib's procfs mount
}

// OpenProcFS opens a verified procfs root. Close it before the process
// execs the container's program: the handle is unmasked (the spec's
// masked paths do not cover it), which is why it is close-on-exec and
// only ever held by the runtime.
//
// It is the library's unmasked root rather than its subset=pid one
// because the sysctls live in /proc/sys, which subset=pid leaves out.
// Sysctls that the kernel keeps per namespace (net, ipc, uts) are looked
// up in the writer's own namespaces whatever procfs instance is used, so
// a fresh instance writes the container's values as its /proc would.
func OpenProcFS() (*ProcFS, error) {
	h, err := procfs.OpenUnsafeProcRoot()
	if err != nil {
		return nil, fmt.Errorf("open a verified procfs: %w", err)
	}
	root, err := h.OpenRoot(".")
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("open a verified procfs: root: %w", err)
	}
	p, err := newProcFS(root)
	if err != nil {
		h.Close()
		return nil, err
	}
	p.lib = h
	return p, nil
}

// newProcFS takes root, which must be the root directory of a procfs
// mount; it checks that itself, whoever opened root. On error it closes
// root.
func newProcFS(root *os.File) (*ProcFS, error) {
	if err := verifyProcRoot(root); err != nil {
		root.Close()
		return nil, err
	}
	return &ProcFS{root: root}, nil
}

// verifyProcRoot checks that f is a procfs (by the superblock's magic)
// and its root directory (by the inode number): a subdirectory such as
// /proc/sys, or an image's directory, would let a relative path land
// elsewhere.
func verifyProcRoot(f *os.File) error {
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &sfs); err != nil {
		return fmt.Errorf("verify procfs %s: %w", f.Name(), err)
	}
	if sfs.Type != unix.PROC_SUPER_MAGIC {
		return fmt.Errorf("verify procfs %s: not a procfs (magic %#x)", f.Name(), sfs.Type)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return fmt.Errorf("verify procfs %s: %w", f.Name(), err)
	}
	if st.Ino != procRootIno {
		return fmt.Errorf("verify procfs %s: not the root of a procfs mount (inode %d)", f.Name(), st.Ino)
	}
	return nil
}

// Close releases the handle; a detached procfs instance goes with it.
func (p *ProcFS) Close() error {
	err := p.root.Close()
	if p.lib != nil {
		p.lib.Close()
	}
	return err
}

// WriteFile writes value to /proc/rel (a sysctl is "sys/net/ipv4/..."),
// in one write, as the kernel's sysctl handlers want it. rel is resolved
// beneath the verified root with no symlink and no mount crossed at all.
func (p *ProcFS) WriteFile(rel, value string) error {
	f, err := p.open(rel, unix.O_WRONLY|unix.O_TRUNC, unix.RESOLVE_NO_SYMLINKS)
	if err != nil {
		return err
	}
	defer f.Close()
	return writeAll(f, value)
}

// WriteSelf writes value to /proc/thread-self/rel of the calling thread;
// for a per-process file such as oom_score_adj that is the process's.
func (p *ProcFS) WriteSelf(rel, value string) error {
	f, err := p.openSelf(rel, unix.O_WRONLY)
	if err != nil {
		return err
	}
	defer f.Close()
	return writeAll(f, value)
}

// ReadSelf returns the contents of the small file /proc/thread-self/rel.
func (p *ProcFS) ReadSelf(rel string) (string, error) {
	f, err := p.openSelf(rel, unix.O_RDONLY)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return readSmall(f)
}

// openSelf opens /proc/thread-self/rel. thread-self is a symlink, but a
// procfs one that the kernel computes for the caller (to "PID/task/TID"),
// not a magic link to an arbitrary file: so here symlinks are allowed and
// only magic links (fd/N, exe, cwd, root) are refused, while NO_XDEV still
// keeps the whole walk on the verified mount. The thread stays locked
// while the file is open so the name and the thread agree.
func (p *ProcFS) openSelf(rel string, flags int) (*os.File, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return p.open("thread-self/"+rel, flags, unix.RESOLVE_NO_MAGICLINKS)
}

// open opens /proc/rel with openat2 beneath the verified root, refusing to
// cross a mount (RESOLVE_NO_XDEV): a file bound over a procfs file, or a
// mount on one of its directories, makes the open fail rather than reach
// the bound file. Kernels before 5.6 have no openat2; there pathrs-lite
// looks the file up (it checks the mount of what it found against the
// root's) and reopens it.
func (p *ProcFS) open(rel string, flags int, resolve uint64) (*os.File, error) {
	how := unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC | unix.O_NOCTTY),
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_XDEV | resolve,
	}
	name := "/proc/" + rel
	fd, err := unix.Openat2(int(p.root.Fd()), rel, &how)
	if err == nil {
		return os.NewFile(uintptr(fd), name), nil
	}
	if !errors.Is(err, unix.ENOSYS) || p.lib == nil {
		return nil, fmt.Errorf("open %s: %w", name, explainOpen(err))
	}
	f, err := p.openCompat(rel)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	r, err := pathrs.Reopen(f, flags|unix.O_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	return r, nil
}

func (p *ProcFS) openCompat(rel string) (*os.File, error) {
	const self = "thread-self/"
	if len(rel) > len(self) && rel[:len(self)] == self {
		f, unlock, err := p.lib.OpenThreadSelf(rel[len(self):])
		if err != nil {
			return nil, err
		}
		unlock()
		return f, nil
	}
	return p.lib.OpenRoot(rel)
}

// explainOpen adds, to the errors openat2's resolve flags give, which
// rule refused the path.
func explainOpen(err error) error {
	switch {
	case errors.Is(err, unix.EXDEV):
		return fmt.Errorf("another mount covers it or a directory on its way, refused (%w)", err)
	case errors.Is(err, unix.ELOOP):
		return fmt.Errorf("a symlink on its way, refused (%w)", err)
	}
	return err
}

// writeAll writes s with plain write calls: one, unless the kernel takes
// less.
func writeAll(f *os.File, s string) error {
	b := []byte(s)
	for len(b) > 0 {
		n, err := unix.Write(int(f.Fd()), b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", f.Name(), err)
		}
		b = b[n:]
	}
	return nil
}

// readSmall reads a small /proc file (a number, a word) whole, with plain
// read calls: such a file never blocks, so the runtime's poller has no
// business with it.
func readSmall(f *os.File) (string, error) {
	var buf [128]byte
	n := 0
	for n < len(buf) {
		m, err := unix.Read(int(f.Fd()), buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", f.Name(), err)
		}
		if m == 0 {
			return string(buf[:n]), nil
		}
		n += m
	}
	return "", fmt.Errorf("read %s: longer than %d bytes", f.Name(), len(buf))
}
