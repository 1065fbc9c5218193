package container

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cgroups"
	"github.com/ocikit/ocikit/internal/spec"
)

// cgroupOwner applies runtime-spec 1.3's "cgroup ownership": the host
// ids that process.user maps to get the container's cgroup when the
// container has a cgroup namespace of its own and mounts cgroupfs
// read-write at /sys/fs/cgroup, so its init (systemd, a nested runtime)
// can manage its own subtree. cg.Delegate adds the host-side rules
// (cgroup v2 alone, a cgroup this runtime made). Without these
// conditions nothing changes owner, as the spec says.
//
// A rootless runtime may lack the right to give its cgroup away (to a
// sub-id): that is one warning, and the container runs with the cgroup
// its user already owns.
func cgroupOwner(s *specs.Spec, ns *nsPlan, cg *cgroups.Manager, id string, log *slog.Logger) error {
	uid, gid, ok := cgroupOwnerIDs(s, ns)
	if !ok {
		return nil
	}
	did, err := cg.Delegate(uid, gid)
	if err != nil && os.Geteuid() != 0 && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EINVAL)) {
		log.Warn("the container's cgroup stays its user's: it cannot be given to the container's user", "container", id, "error", err)
		return nil
	}
	if err != nil {
		return err
	}
	if did {
		log.Debug("cgroup delegated to the container's user", "container", id, "uid", uid, "gid", gid, "cgroup", cg.Paths["unified"])
	}
	return nil
}

// cgroupOwnerIDs reports the host uid and gid the container's cgroup is
// to be given to, and whether the spec's conditions hold.
func cgroupOwnerIDs(s *specs.Spec, ns *nsPlan) (uid, gid int, ok bool) {
	if !ns.cgroupNS || !ns.mountNS || s.Process == nil || !rwCgroupMount(s.Mounts) {
		return 0, 0, false
	}
	u, g := s.Process.User.UID, s.Process.User.GID
	if !ns.userNS {
		return int(u), int(g), true
	}
	// A joined user namespace's map is not in the spec; the cgroup is
	// then left as it is rather than given to a guess.
	hu, uok := spec.HostID(s.Linux.UIDMappings, u)
	hg, gok := spec.HostID(s.Linux.GIDMappings, g)
	return int(hu), int(hg), uok && gok
}

// rwCgroupMount reports whether mounts put a read-write cgroupfs at
// /sys/fs/cgroup, the spec's test: source "cgroup", no "ro" option.
func rwCgroupMount(mounts []specs.Mount) bool {
	for _, m := range mounts {
		if m.Source == "cgroup" && filepath.Clean(m.Destination) == "/sys/fs/cgroup" && !slices.Contains(m.Options, "ro") {
			return true
		}
	}
	return false
}
