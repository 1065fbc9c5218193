package containerinit

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
)

// newNetNS reports whether the spec asks for a network namespace of the
// container's own, rather than the host's or one it joins.
func newNetNS(s *specs.Spec) bool {
	if s.Linux == nil {
		return false
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace && ns.Path == "" {
			return true
		}
	}
	return false
}

// bringUpLoopback sets IFF_UP on "lo" when the container has a network
// namespace of its own. A new namespace's loopback device starts down,
// so without this nothing inside can even talk to 127.0.0.1; rootless
// containers, which get no other interface, rely on it. A joined
// namespace belongs to whoever made it and is left as it is, as is the
// host's. The init still has its full capabilities in the container's
// user namespace here, which owns the new network namespace.
func bringUpLoopback(s *specs.Spec) error {
	if !newNetNS(s) {
		return nil
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return cerr.Op("bring up loopback: socket", "lo", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return cerr.Op("bring up loopback", "lo", err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return cerr.Op("bring up loopback: read flags", "lo", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return cerr.Op("bring up loopback: set flags", "lo", err)
	}
	return nil
}
