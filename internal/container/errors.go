package container

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/state"
)

// wrongStatus is the error for an operation the container's status does
// not allow.
func wrongStatus(id, op, status, want string) error {
	if status == state.Stopped && want == "created or running" {
		// Engines recognise these words: containerd's shim treats a
		// kill that says "container not running" as already done.
		return cerr.E(id, op, "", errors.New("container not running (it is stopped)"))
	}
	return cerr.E(id, op, "", fmt.Errorf("container is %s, not %s", status, want))
}

// reason strips the context a lower layer put around err (an
// *fs.PathError, or a wrapper such as "dial console socket %q: ...") for a
// caller that names the operation and the path itself, so the message
// says the path once: `write pid file "/x/pid": no such file or directory`.
func reason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	if inner := errors.Unwrap(err); inner != nil {
		return inner
	}
	return err
}
