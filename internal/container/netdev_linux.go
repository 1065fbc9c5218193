package container

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/netdev"
)

// checkNetDevices refuses linux.netDevices where no move can happen,
// before anything of the container exists: the devices must go into a
// network namespace other than the runtime's, and only a runtime with
// CAP_NET_ADMIN over the host's namespace (root) can take them out of it.
func checkNetDevices(s *specs.Spec, ns *nsPlan) error {
	if len(s.Linux.NetDevices) == 0 {
		return nil
	}
	if os.Geteuid() != 0 {
		return cerr.Op("namespace", "", errors.New("linux.netDevices: moving a host network device needs a runtime run as root"))
	}
	if ns.cloneFlags&unix.CLONE_NEWNET != 0 {
		return nil
	}
	for i, f := range ns.joins {
		if ns.joinTypes[i] != unix.CLONE_NEWNET {
			continue
		}
		same, err := sameNetNS(f)
		if err != nil {
			return cerr.Op("namespace", f.Name(), err)
		}
		if same {
			return cerr.Op("namespace", f.Name(), errors.New("linux.netDevices: this network namespace is the runtime's own, so no device would move"))
		}
		return nil
	}
	return cerr.Op("namespace", "", errors.New("linux.netDevices: the container has no network namespace of its own (linux.namespaces has no network entry), so no device would move"))
}

// sameNetNS says whether f is the runtime's own network namespace.
func sameNetNS(f *os.File) (bool, error) {
	var self, other unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &self); err != nil {
		return false, fmt.Errorf("stat own network namespace: %w", err)
	}
	if err := unix.Fstat(int(f.Fd()), &other); err != nil {
		return false, err
	}
	return self.Dev == other.Dev && self.Ino == other.Ino, nil
}

// netDevices holds the devices moved into a container being created,
// and the namespace they went to, so a failed create can undo the move.
type netDevices struct {
	ns    *os.File
	moved []netdev.Device
}

// move moves the spec's devices into the network namespace of the init
// pid. It runs before the init gets its config, so the devices are there
// for the prestart and createRuntime hooks, which usually configure
// them, and before anything of the container's own runs.
func (n *netDevices) move(s *specs.Spec, pid int, id string, log *slog.Logger) error {
	if len(s.Linux.NetDevices) == 0 {
		return nil
	}
	// The init is this process's child (CLONE_PARENT) and not reaped
	// yet, so its pid names it.
	path := fmt.Sprintf("/proc/%d/ns/net", pid)
	ns, err := os.Open(path)
	if err != nil {
		return cerr.Op("open network namespace", path, reason(err))
	}
	moved, err := netdev.Move(ns, s.Linux.NetDevices)
	if err != nil {
		ns.Close()
		return cerr.Op("move network devices", "", err)
	}
	n.ns, n.moved = ns, moved
	for _, d := range moved {
		log.Debug("network device moved", "container", id, "host", d.HostName, "name", d.Name, "index", d.Index)
	}
	return nil
}

// undo brings the devices back after a failed create. The namespace is
// still held open, so even with the init gone a virtual device is not
// destroyed and a physical one does not come back under its container
// name; a joined namespace would keep them for good.
func (n *netDevices) undo(log *slog.Logger) {
	if n.ns == nil {
		return
	}
	if err := netdev.MoveBack(n.ns, n.moved); err != nil {
		log.Warn("network devices not moved back after the failed create", "error", err)
	}
}

// close drops the namespace. Once created, the container's devices stay
// in it: at delete the spec leaves them to the kernel (a virtual device
// dies with the namespace, a physical one returns to the initial
// namespace), and forbids moving them out before.
func (n *netDevices) close() {
	if n.ns != nil {
		n.ns.Close()
	}
}
