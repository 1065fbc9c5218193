package container

import (
	"fmt"

	"github.com/ocikit/ocikit/internal/cerr"
)

// wrongStatus is the error for an operation the container's status does
// not allow.
func wrongStatus(id, op, status, want string) error {
	return cerr.E(id, op, "", fmt.Errorf("container is %s, not %s", status, want))
}
