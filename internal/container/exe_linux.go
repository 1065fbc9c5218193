package container

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// selfExe is where this process's executable is found. It is read on the
// host, before any container namespace is joined, so it is the host's
// procfs and the link leads to the runtime binary itself.
const selfExe = "/proc/self/exe"

// sealedExe returns a descriptor of the runtime's own binary that the
// processes entering a container execute instead of the binary itself, so
// that no process there ever runs, or holds an fd of, a writable host
// inode (CVE-2019-5736).
//
// The attack it stops: a process that enters the container's namespaces
// runs the host's runtime binary with the container's credentials. Any
// process of the container with the same uid can open /proc/PID/exe of a
// dumpable one (an exec'd /proc/self/exe, a "#!/proc/self/exe" script, an
// args[0] of /proc/self/fd/N) and, once the binary stops being busy,
// overwrite it for the host's next run. Non-dumpable processes only
// narrow the window; they cannot cover a process the container made
// execute the binary afresh.
//
// The defence is on the file the processes execute, so it holds whatever
// they do. A read-only detached clone (readOnlyClone) is preferred: it
// costs about a tenth of a millisecond and no memory. Where the kernel
// has no open_tree or mount_setattr (before 5.12), or refuses them (a
// rootless runtime has no CAP_SYS_ADMIN over its mount namespace), a
// sealed in-memory copy (sealedCopy) is used: milliseconds and a copy of
// the binary per container, but no capability needed.
//
// The file is close-on-exec; the launcher hands it to the child as one of
// its numbered fds.
func sealedExe() (*os.File, error) {
	f, cloneErr := readOnlyClone()
	if cloneErr == nil {
		return f, nil
	}
	f, err := sealedCopy()
	if err != nil {
		return nil, fmt.Errorf("read-only clone: %w; sealed copy: %w", cloneErr, err)
	}
	return f, nil
}

// readOnlyClone returns an O_PATH descriptor of the runtime binary on a
// detached, read-only bind mount of it.
//
// Why that suffices: write access to a file is checked against the mount
// the path comes through, not only the inode. /proc/PID/exe of a process
// that execs this descriptor hands out the clone's path (its mount and
// dentry), so open(/proc/PID/exe, O_WRONLY) through it fails with EROFS
// though the inode is the writable host file; the same goes for
// /proc/PID/fd/N of the descriptor and for anything exec'd through it
// again (/proc/self/exe of such a process is the clone). The mount is in
// no mount namespace's tree, so no path from the container reaches it in
// any other way. Nor can the container make it writable again: changing
// the flags of a detached mount takes CAP_SYS_ADMIN in the user namespace
// of the runtime that made it, which only a fully privileged container
// has (and it can reach the host's disks anyway).
//
// nosuid and nodev cost nothing here (the binary is neither setuid nor a
// device); noexec is exactly what must not be set. The clone lives as
// long as a descriptor or an executing process holds it, and goes with
// the last one: nothing to unmount.
//
// In the clone, readlink(/proc/self/exe) shows "/" (the detached mount's
// root is the file): nothing of the runtime reads that link after the
// exec.
func readOnlyClone() (*os.File, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, selfExe, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("open_tree %q: %w", selfExe, err)
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("mount_setattr read-only on the clone of %q: %w", selfExe, err)
	}
	// The whole defence is this flag: make sure the kernel set it rather
	// than trusting that a successful call did.
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("statfs the clone of %q: %w", selfExe, err)
	}
	if st.Flags&unix.ST_RDONLY == 0 {
		unix.Close(fd)
		return nil, fmt.Errorf("the clone of %q is still writable", selfExe)
	}
	return os.NewFile(uintptr(fd), "runtime-exe"), nil
}

// sealedCopy returns a memfd holding a copy of the runtime binary, sealed
// so that neither its contents nor its size can change again, by anyone,
// through any descriptor or mapping (F_SEAL_SEAL makes the seals final).
// What the container may reach (/proc/PID/exe, /proc/PID/fd/N) is this
// copy, never the host's file.
func sealedCopy() (*os.File, error) {
	src, err := os.Open(selfExe)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var want unix.Stat_t
	if err := unix.Fstat(int(src.Fd()), &want); err != nil {
		return nil, fmt.Errorf("stat %q: %w", selfExe, err)
	}
	fd, err := execMemfd("ocikit-runtime")
	if err != nil {
		return nil, err
	}
	dst := os.NewFile(uintptr(fd), "runtime-exe")
	// io.Copy uses copy_file_range or sendfile where the kernel allows,
	// plain reads and writes where not.
	n, err := io.Copy(dst, src)
	if err == nil && n != want.Size {
		err = fmt.Errorf("copied %d of %d bytes", n, want.Size)
	}
	if err != nil {
		dst.Close()
		return nil, fmt.Errorf("copy %q to a memfd: %w", selfExe, err)
	}
	if err := seal(fd); err != nil {
		dst.Close()
		return nil, err
	}
	return dst, nil
}

// execMemfd makes a close-on-exec, sealable memfd that may be executed.
// Since 6.3 a memfd must say MFD_EXEC to stay executable where the
// vm.memfd_noexec sysctl asks for it; older kernels refuse the flag, and
// every memfd is executable there.
func execMemfd(name string) (int, error) {
	flags := unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING
	fd, err := unix.MemfdCreate(name, flags|unix.MFD_EXEC)
	if errors.Is(err, unix.EINVAL) {
		fd, err = unix.MemfdCreate(name, flags)
	}
	if err != nil {
		return -1, fmt.Errorf("memfd_create %q: %w", name, err)
	}
	return fd, nil
}

// seal adds every seal that freezes the memfd's contents. F_SEAL_WRITE
// alone forbids writes and writable mappings; F_SEAL_FUTURE_WRITE (5.1)
// says the same for kernels that check it separately, and is left out
// where it is unknown.
func seal(fd int) error {
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	_, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals|unix.F_SEAL_FUTURE_WRITE)
	if errors.Is(err, unix.EINVAL) {
		_, err = unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals)
	}
	if err != nil {
		return fmt.Errorf("seal the copy of %q: %w", selfExe, err)
	}
	return nil
}
