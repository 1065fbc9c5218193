package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// ErrForeignStateRoot is returned, wrapped, when the state directory
// exists and belongs to another user.
var ErrForeignStateRoot = errors.New("owned by another user")

// checkRootOwner refuses a state directory that exists and is owned by
// neither the caller nor root. The fallback default for an ordinary user
// lies in the shared temporary directory (ocikit-UID), where anyone can
// create it first: whoever owns it could plant or swap container records
// and make the user's tools signal or enter processes of their choosing.
// The store creates a missing directory itself, owned by the caller.
//
// A root-owned directory is trusted (only root could have made it), and
// root itself may manage any user's directory it is pointed at, as an
// administrator cleaning up after a user does.
//
// A symbolic link is judged by the link and by its target: the owner of
// the link can retarget it at any time.
func checkRootOwner(root string) error {
	euid := os.Geteuid()
	if euid == 0 {
		return nil
	}
	fi, err := os.Lstat(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("state directory %q: %w", root, err)
	}
	if err := trustedOwner(root, fi, euid); err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return nil
	}
	if fi, err = os.Stat(root); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("state directory %q: %w", root, err)
	}
	return trustedOwner(root, fi, euid)
}

func trustedOwner(root string, fi fs.FileInfo, euid int) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if int(st.Uid) == euid || st.Uid == 0 {
		return nil
	}
	return fmt.Errorf("state directory %q: %w (uid %d, you are uid %d): remove it or choose another with --root",
		root, ErrForeignStateRoot, st.Uid, euid)
}
