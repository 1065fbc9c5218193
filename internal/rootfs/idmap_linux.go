package rootfs

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/initproto"
)

// An id-mapped mount (the idmap and ridmap options, a mount's
// uidMappings, the root filesystem of a container with an automatic user
// namespace) arrives made: the runtime copied the source with open_tree
// and set its mapping, which takes CAP_SYS_ADMIN over the filesystem, a
// capability nothing in the container's user namespace has. Setup only
// moves the detached tree onto its destination, resolved in the root like
// any other, where a bind would have been made.

// takeTree returns the descriptor of the id-mapped tree the runtime made
// for mount index (initproto.IDMappedRoot for the root filesystem), or -1
// when it made none or could not map it (Unmapped). The caller closes it. A tree whose destination is
// not the mount's is refused: the runtime and the init read the mounts
// from the same spec, so a difference means the Config is not the spec's.
func (s *setup) takeTree(index int, dest string) (int, error) {
	for i, t := range s.cfg.IDMapped {
		if t.Index != index || t.FD < 0 {
			continue
		}
		s.cfg.IDMapped[i].FD = -1
		if t.Dest != dest {
			unix.Close(t.FD)
			return -1, fmt.Errorf("the runtime's id-mapped tree for mount %d is for %q", index, t.Dest)
		}
		if t.Unmapped {
			unix.Close(t.FD)
			return -1, nil
		}
		return t.FD, nil
	}
	return -1, nil
}

// mustTakeTree is takeTree for a mount whose options ask for an id
// mapping: without the runtime's tree, a bind would give the container
// the source with the host's ownership, not the one asked for.
func (s *setup) mustTakeTree(index int, dest string) (int, error) {
	fd, err := s.takeTree(index, dest)
	if err == nil && fd < 0 {
		err = fmt.Errorf("no id-mapped tree from the runtime for mount %d", index)
	}
	return fd, err
}

// closeTrees closes the trees no mount took (Setup failed before them).
func (s *setup) closeTrees() {
	for i, t := range s.cfg.IDMapped {
		if t.FD >= 0 {
			unix.Close(t.FD)
			s.cfg.IDMapped[i].FD = -1
		}
	}
}

// moveTree attaches the detached tree onto the directory or file dst
// holds, by descriptor on both sides, so no path is resolved again.
func moveTree(tree, dst int) error {
	if err := unix.MoveMount(tree, "", dst, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("move id-mapped mount: %w", err)
	}
	return nil
}

// rootTree moves the id-mapped copy of the root filesystem, when the
// runtime made one, onto the root filesystem's path, making it a mount
// of its own as the bind onto itself does otherwise. It reports whether
// it did.
func (s *setup) rootTree() (bool, error) {
	tree, err := s.takeTree(initproto.IDMappedRoot, "/")
	if err != nil || tree < 0 {
		return false, err
	}
	defer unix.Close(tree)
	dst, err := unix.Open(s.cfg.Rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, fmt.Errorf("open root filesystem %q: %w", s.cfg.Rootfs, err)
	}
	defer unix.Close(dst)
	if err := moveTree(tree, dst); err != nil {
		return false, fmt.Errorf("root filesystem %q: %w", s.cfg.Rootfs, err)
	}
	return true, nil
}
