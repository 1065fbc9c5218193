package cgroups

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/fsutil"
)

// rootless reports whether the runtime lacks the host's root privileges:
// it runs as another user, or as root of a user namespace other than the
// initial one (which maps the whole range, "0 0 4294967295").
func rootless() bool {
	if os.Geteuid() != 0 {
		return true
	}
	b, err := fsutil.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return !slices.Equal(f, []string{"0", "0", "4294967295"})
}

// readFile returns a cgroup file's content without its trailing newline.
// Like writeFile it works on a bare descriptor: an *os.File costs an
// fcntl and an epoll_ctl per file, and the first one sets up the Go
// runtime's poller, none of which a cgroup file can use.
func readFile(dir, name string) (string, error) {
	b, err := fsutil.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// writeFile writes one value to an existing cgroup file, in one write(2):
// the kernel parses each write of a cgroup file as a whole value. It never
// creates the file: a missing one means the directory is not the cgroup
// we think.
func writeFile(dir, name, value string) error {
	p := filepath.Join(dir, name)
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = unix.Open(p, unix.O_WRONLY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return fmt.Errorf("open %q: %w", p, err)
	}
	var n int
	err = retryEINTR(func() (err error) {
		n, err = unix.Write(fd, []byte(value))
		return err
	})
	if err == nil && n < len(value) {
		err = io.ErrShortWrite
	}
	// A cgroup file may report a refused value only at close.
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %q: %w", p, err)
	}
	return nil
}

func retryEINTR(fn func() error) error {
	for {
		if err := fn(); err != unix.EINTR {
			return err
		}
	}
}

// bare strips the *fs.PathError around an errno, for messages that name
// the path themselves.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkCgroupFS makes sure dir lies on a cgroup file system before this
// package removes or writes anything there, so a damaged or forged state
// file cannot turn Destroy into an rmdir of arbitrary empty directories.
func checkCgroupFS(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return fmt.Errorf("statfs %q: %w", dir, err)
	}
	if st.Type != unix.CGROUP_SUPER_MAGIC && st.Type != unix.CGROUP2_SUPER_MAGIC {
		return fmt.Errorf("%q is not on a cgroup file system", dir)
	}
	return nil
}

// procs lists the processes of cgroup dir and of its descendants: a
// container may make sub-cgroups of its own (with a cgroup namespace), and
// its processes there still belong to it. A cgroup removed meanwhile holds
// nothing.
func procs(dir string) ([]int, error) {
	s, err := readFile(dir, "cgroup.procs")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var pids []int
	for _, f := range strings.Fields(s) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("list processes: %q: bad pid %q", filepath.Join(dir, "cgroup.procs"), f)
		}
		pids = append(pids, pid)
	}
	subs, err := subdirs(dir)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	for _, sub := range subs {
		p, err := procs(sub)
		if err != nil {
			return nil, err
		}
		pids = append(pids, p...)
	}
	slices.Sort(pids)
	return slices.Compact(pids), nil
}

// subdirs lists the child cgroups of dir (its subdirectories), sorted by
// name, reading the directory with getdents64 on a bare descriptor (see
// readFile). A directory gone meanwhile has none.
func subdirs(dir string) ([]string, error) {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		return err
	})
	if errors.Is(err, unix.ENOENT) {
		return nil, nil
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	var out []string
	buf := make([]byte, 8192)
	for {
		var n int
		err := retryEINTR(func() (err error) {
			n, err = unix.Getdents(fd, buf)
			return err
		})
		if err != nil {
			return nil, &fs.PathError{Op: "readdirent", Path: dir, Err: err}
		}
		if n == 0 {
			break
		}
		names, err := dirNames(fd, buf[:n])
		if err != nil {
			return nil, &fs.PathError{Op: "readdirent", Path: dir, Err: err}
		}
		for _, name := range names {
			out = append(out, filepath.Join(dir, name))
		}
	}
	slices.Sort(out)
	return out, nil
}

// dirNames returns the names of the subdirectories among the struct
// linux_dirent64 records in buf, read from directory fd:
//
//	u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[] (NUL-terminated)
//
// An entry whose type the file system does not report (DT_UNKNOWN) is
// looked at with fstatat, not following a symlink.
func dirNames(fd int, buf []byte) ([]string, error) {
	const nameOff = 19
	var names []string
	for len(buf) > 0 {
		if len(buf) < nameOff {
			return nil, unix.EINVAL
		}
		reclen := int(binary.NativeEndian.Uint16(buf[16:18]))
		if reclen < nameOff || reclen > len(buf) {
			return nil, unix.EINVAL
		}
		typ := buf[18]
		name := buf[nameOff:reclen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		buf = buf[reclen:]
		if s := string(name); s != "." && s != ".." {
			isDir := typ == unix.DT_DIR
			if typ == unix.DT_UNKNOWN {
				var st unix.Stat_t
				if err := unix.Fstatat(fd, s, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
					if errors.Is(err, unix.ENOENT) {
						continue // removed meanwhile
					}
					return nil, err
				}
				isDir = st.Mode&unix.S_IFMT == unix.S_IFDIR
			}
			if isDir {
				names = append(names, s)
			}
		}
	}
	return names, nil
}
