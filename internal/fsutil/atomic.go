package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// WriteFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so readers see either the old or the new content.
// The file is fsync'ed only when sync is true: state files live on tmpfs
// (/run) where fsync costs time and buys nothing.
//
// It works on a bare descriptor, as ReadFile does, and renames with
// rename(2) itself: os.Rename first stats the target to refuse replacing
// a directory, which rename(2) refuses anyway (EISDIR).
func WriteFileAtomic(path string, data []byte, perm os.FileMode, sync bool) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	fd, tmp, err := createTemp(filepath.Join(dir, "."+base+".tmp"))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if fd >= 0 {
			unix.Close(fd)
		}
		if err != nil {
			unix.Unlink(tmp)
		}
	}()
	fail := func(op string, e error) error {
		return fmt.Errorf("write %s: %w", path, &fs.PathError{Op: op, Path: tmp, Err: e})
	}
	if err := writeAll(fd, data); err != nil {
		return fail("write", err)
	}
	// The mode is set after the open, which the umask would narrow.
	if err := ignoringEINTR(func() error { return unix.Fchmod(fd, uint32(perm.Perm())) }); err != nil {
		return fail("chmod", err)
	}
	if sync {
		if err := ignoringEINTR(func() error { return unix.Fsync(fd) }); err != nil {
			return fail("sync", err)
		}
	}
	err = unix.Close(fd)
	fd = -1
	if err != nil {
		return fail("close", err)
	}
	if err := unix.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, &os.LinkError{Op: "rename", Old: tmp, New: path, Err: err})
	}
	return nil
}

// createTemp makes a new file prefix<random> for writing, mode 0600; the
// random part is drawn again when the name is taken.
func createTemp(prefix string) (int, string, error) {
	for try := 0; ; try++ {
		name := prefix + strconv.FormatUint(uint64(rand.Uint32()), 10)
		var fd int
		err := ignoringEINTR(func() (err error) {
			fd, err = unix.Open(name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600)
			return err
		})
		if err == nil {
			return fd, name, nil
		}
		if !errors.Is(err, unix.EEXIST) || try == 100 {
			return -1, "", &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
}

func writeAll(fd int, data []byte) error {
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); err != unix.EINTR {
			return err
		}
	}
}
