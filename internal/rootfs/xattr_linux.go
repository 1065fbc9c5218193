package rootfs

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// copyXattrs copies the extended attributes of from onto to, both open
// files or directories.
//
// An attribute the kernel refuses to set here is left out rather than
// failing the container: trusted.* needs CAP_SYS_ADMIN in the initial
// user namespace, security.* may be refused by a security module or by a
// user namespace, and a tmpfs built without some handler does not take
// that class at all. Ownership and mode, which matter, are copied apart
// from this; runc's copy keeps no extended attributes at all.
func copyXattrs(from, to *os.File, display string) error {
	names, err := listXattrs(int(from.Fd()))
	if errors.Is(err, unix.EOPNOTSUPP) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list extended attributes of %q: %w", display, err)
	}
	for _, name := range names {
		value, err := getXattr(int(from.Fd()), name)
		if errors.Is(err, unix.ENODATA) {
			continue // removed since it was listed
		}
		if err != nil {
			return fmt.Errorf("read extended attribute %s of %q: %w", name, display, err)
		}
		err = unix.Fsetxattr(int(to.Fd()), name, value, 0)
		switch {
		case err == nil:
		case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES),
			errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.EINVAL):
		default:
			return fmt.Errorf("set extended attribute %s of %q: %w", name, display, err)
		}
	}
	return nil
}

// listXattrs returns the names of fd's extended attributes.
func listXattrs(fd int) ([]string, error) {
	buf, err := sizedRead(func(b []byte) (int, error) { return unix.Flistxattr(fd, b) })
	if err != nil {
		return nil, err
	}
	var names []string
	for _, n := range bytes.Split(buf, []byte{0}) {
		if len(n) > 0 {
			names = append(names, string(n))
		}
	}
	return names, nil
}

// getXattr returns the value of fd's extended attribute name.
func getXattr(fd int, name string) ([]byte, error) {
	return sizedRead(func(b []byte) (int, error) { return unix.Fgetxattr(fd, name, b) })
}

// sizedRead calls read (an xattr call) first for the size the value
// needs, then with a buffer of that size, again if the value grew
// between the two calls.
func sizedRead(read func([]byte) (int, error)) ([]byte, error) {
	for {
		size, err := read(nil)
		if err != nil {
			return nil, err
		}
		if size == 0 {
			return nil, nil
		}
		buf := make([]byte, size)
		n, err := read(buf)
		if errors.Is(err, unix.ERANGE) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}
