package containerinit

import (
	"errors"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
)

// joinSessionKeyring gives the container a new session keyring, named
// after it as runc names it, so it cannot use the keys of the session it
// was started from. Kernels without keyrings (ENOSYS), and user namespaces
// where the keyring quota or permissions refuse one (EDQUOT, EACCES,
// EPERM), keep the inherited keyring: the container is no worse off than
// with --no-new-keyring.
func joinSessionKeyring(id string) error {
	_, err := unix.KeyctlJoinSessionKeyring("_ses." + id)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EDQUOT), errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return nil
	}
	return cerr.Op("join session keyring", "_ses."+id, err)
}
