package spec

import (
	"math"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/subid"
)

// Default returns the default spec: what `runc spec` prints, except that
// ociVersion is the version of the runtime-spec this runtime implements and
// a cgroup namespace is added, so the container sees its own cgroup as the
// root of /sys/fs/cgroup instead of the host's hierarchy.
func Default() *specs.Spec {
	defaultCaps := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	capSet := func() []string { return append([]string(nil), defaultCaps...) }
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			Terminal: true,
			User:     specs.User{UID: 0, GID: 0},
			Args:     []string{"sh"},
			Env: []string{
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"TERM=xterm",
			},
			Cwd: "/",
			Capabilities: &specs.LinuxCapabilities{
				Bounding:  capSet(),
				Effective: capSet(),
				Permitted: capSet(),
				Ambient:   capSet(),
			},
			Rlimits: []specs.POSIXRlimit{
				{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024},
			},
			NoNewPrivileges: true,
		},
		Root:     &specs.Root{Path: "rootfs", Readonly: true},
		Hostname: "runc",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs",
				Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts",
				Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm",
				Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue",
				Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs",
				Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup",
				Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
		},
		Linux: &specs.Linux{
			Resources: &specs.LinuxResources{
				Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
			},
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace},
				{Type: specs.NetworkNamespace},
				{Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace},
				{Type: specs.MountNamespace},
				{Type: specs.CgroupNamespace},
			},
			MaskedPaths: []string{
				"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
				"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
				"/proc/sched_debug", "/sys/firmware", "/proc/scsi",
			},
			ReadonlyPaths: []string{
				"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
			},
		},
	}
}

// ToRootless converts s into a spec an ordinary user with the given uid and
// gid can run:
//   - a user namespace mapping container root to the user (one ID each:
//     an unprivileged user may map only itself without newuidmap);
//   - no uid=/gid= mount options naming IDs outside that one-ID map
//     (devpts gid=5 would fail to mount);
//   - /sys bind-mounted read-only from the host instead of a new sysfs:
//     the kernel lets a user namespace mount sysfs only when it owns the
//     network namespace too, so a fresh sysfs breaks as soon as the user
//     edits the network namespace out (to share the host's network);
//   - no linux.resources, which an unprivileged user cannot apply.
//
// The network namespace is kept: the container gets only a loopback
// device, which is the isolation wanted when no network is configured.
func ToRootless(s *specs.Spec, uid, gid uint32) {
	toRootless(s,
		[]specs.LinuxIDMapping{{ContainerID: 0, HostID: uid, Size: 1}},
		[]specs.LinuxIDMapping{{ContainerID: 0, HostID: gid, Size: 1}})
}

// ToRootlessSubIDs is ToRootless for a user granted subordinate ranges in
// /etc/subuid and /etc/subgid: container root is still the user itself,
// and container IDs 1 and up are the ranges, one after another in the
// files' order. Only newuidmap and newgidmap, which check the ranges
// against those files, may write such a map for an ordinary user. Mount
// options naming a group the map now holds (devpts gid=5) stay.
func ToRootlessSubIDs(s *specs.Spec, uid, gid uint32, subuids, subgids []subid.Range) {
	toRootless(s, subIDMappings(uid, subuids), subIDMappings(gid, subgids))
}

// subIDMappings maps container ID 0 to self and the next container IDs to
// the ranges in turn. A total past the last 32-bit container ID is cut
// there: the kernel could not take the rest.
func subIDMappings(self uint32, ranges []subid.Range) []specs.LinuxIDMapping {
	ms := []specs.LinuxIDMapping{{ContainerID: 0, HostID: self, Size: 1}}
	next := uint64(1)
	for _, r := range ranges {
		size := uint64(r.Count)
		if left := uint64(math.MaxUint32) + 1 - next; size > left {
			size = left
		}
		if size == 0 {
			break
		}
		ms = append(ms, specs.LinuxIDMapping{ContainerID: uint32(next), HostID: r.Start, Size: uint32(size)})
		next += size
	}
	return ms
}

func toRootless(s *specs.Spec, uidMaps, gidMaps []specs.LinuxIDMapping) {
	if s.Linux == nil {
		s.Linux = &specs.Linux{}
	}
	hasUser := false
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == specs.UserNamespace {
			hasUser = true
		}
	}
	if !hasUser {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	}
	s.Linux.UIDMappings = uidMaps
	s.Linux.GIDMappings = gidMaps
	s.Linux.Resources = nil

	mounts := make([]specs.Mount, 0, len(s.Mounts))
	for _, m := range s.Mounts {
		if m.Destination == "/sys" && m.Type == "sysfs" {
			mounts = append(mounts, specs.Mount{
				Destination: "/sys",
				Type:        "none",
				Source:      "/sys",
				Options:     []string{"rbind", "nosuid", "noexec", "nodev", "ro"},
			})
			continue
		}
		var opts []string
		for _, o := range m.Options {
			if id, ok := strings.CutPrefix(o, "uid="); ok && !mapped(uidMaps, id) {
				continue
			}
			if id, ok := strings.CutPrefix(o, "gid="); ok && !mapped(gidMaps, id) {
				continue
			}
			opts = append(opts, o)
		}
		m.Options = opts
		mounts = append(mounts, m)
	}
	s.Mounts = mounts
}

// mapped reports whether the container ID id (decimal text) is in ms; a
// value that is not a number is not.
func mapped(ms []specs.LinuxIDMapping, id string) bool {
	n, err := strconv.ParseUint(id, 10, 32)
	if err != nil {
		return false
	}
	_, ok := HostID(ms, uint32(n))
	return ok
}

// HostID maps the container id id to the host through ms, reporting
// whether any of ms covers it.
func HostID(ms []specs.LinuxIDMapping, id uint32) (uint32, bool) {
	for _, m := range ms {
		if id >= m.ContainerID && uint64(id) < uint64(m.ContainerID)+uint64(m.Size) {
			return m.HostID + (id - m.ContainerID), true
		}
	}
	return 0, false
}
