package cgroups

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"
)

// delegateList is the kernel's list of the files a delegated cgroup's
// owner gets (cgroups(7), "Cgroups v2 delegation"); a variable so tests
// can point it elsewhere.
var delegateList = "/sys/kernel/cgroup/delegate"

// delegateFallback is what runtime-spec 1.3 says to chown where the
// kernel predates /sys/kernel/cgroup/delegate (before 4.15).
var delegateFallback = []string{"cgroup.procs", "cgroup.subtree_control", "cgroup.threads"}

// Delegate gives the container's cgroup v2 directory, and the files of it
// that the kernel lists as delegatable, to uid and gid: the container's
// user can then make sub-cgroups and move its processes between them, as
// systemd does when it boots as a container's init. This is runtime-spec
// 1.3's "cgroup ownership"; the caller checks the spec's conditions (a new
// cgroup namespace and a read-write cgroup mount).
//
// It does nothing, and reports false, where cgroup v1 is in use (the spec
// says delegation is not safe there: a v1 controller's files would stay
// the host's, and on a hybrid host the v1 hierarchies are in use) or where
// the directory is not one Create made: a cgroup an engine prepared keeps
// the owner the engine gave it. Nothing but the directory and the listed
// files changes owner; files of the list the kernel does not have in this
// cgroup are skipped.
func (m *Manager) Delegate(uid, gid int) (bool, error) {
	dir, ok := m.Paths["unified"]
	if !ok || len(m.Paths) != 1 || !slices.Contains(m.owned, dir) {
		return false, nil
	}
	files, err := delegatable()
	if err != nil {
		return false, err
	}
	// The directory goes first: a container that sees it as its own
	// before its files could only fail to write them, never write
	// something it should not.
	if err := lchown(dir, uid, gid); err != nil {
		return false, err
	}
	for _, f := range files {
		err := lchown(filepath.Join(dir, f), uid, gid)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
	}
	return true, nil
}

func lchown(path string, uid, gid int) error {
	// cgroupfs has no symbolic links, and nothing of the container runs
	// yet; the flag only keeps this from ever following one.
	if err := unix.Fchownat(unix.AT_FDCWD, path, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("delegate cgroup: chown %q to %d:%d: %w", path, uid, gid, err)
	}
	return nil
}

// delegatable reads the kernel's list: one file name a line, names only.
func delegatable() ([]string, error) {
	b, err := os.ReadFile(delegateList)
	if errors.Is(err, fs.ErrNotExist) {
		return delegateFallback, nil
	}
	if err != nil {
		return nil, fmt.Errorf("delegate cgroup: %w", err)
	}
	var files []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name := string(bytes.TrimSpace(sc.Bytes()))
		// A name that is not a plain file name is not one the kernel
		// wrote; it must not lead the chown out of the directory.
		if name == "" || name == "." || name == ".." || filepath.Base(name) != name {
			continue
		}
		files = append(files, name)
	}
	return files, nil
}
