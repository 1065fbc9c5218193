package rootfs

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// Mount destinations that land on procfs or sysfs.
//
// Destinations are resolved inside the root, following the image's
// symlinks there, and by the time most of the spec's mounts are made the
// container's /proc and /sys are already mounted. An image symlink such
// as /etc/hostname -> /proc/sys/kernel/cap_last_cap then turns an
// ordinary bind of a host file into an overmount of a procfs file. The
// runtime reads and writes the container's procfs after the mounts
// (sysctls, oom_score_adj, capability and id-map files, security
// labels), so such an overmount feeds it values of the image's choosing
// or sends its writes into a host file (CVE-2019-19921, CVE-2025-52881;
// an overmounted cap_last_cap let capabilities survive the bounding
// set). A mount that lands on procfs is therefore refused unless it is
// /proc itself or one of the files lxcfs-style tools replace, and in
// both cases only when the spec names that very path, with no symlink
// on the way.
//
// sysfs is looked at for the same redirection: nothing the image does
// may make a mount the spec meant elsewhere land there. A path under
// /sys that the spec itself names is its own choice, though (cgroups at
// /sys/fs/cgroup, bpffs, debugfs, securityfs all have their mount points
// in sysfs), and the runtime neither reads nor writes the container's
// sysfs: those are allowed.

// lxcfsFiles are the procfs files a spec may bind over, by their
// literal destination: the ones lxcfs (and tools like it) emulate per
// container. The runtime reads none of them.
var lxcfsFiles = map[string]bool{
	"/proc/cpuinfo":   true,
	"/proc/diskstats": true,
	"/proc/meminfo":   true,
	"/proc/stat":      true,
	"/proc/swaps":     true,
	"/proc/uptime":    true,
	"/proc/loadavg":   true,
	"/proc/slabinfo":  true,
}

// checkTarget refuses a mount onto fd, the resolution of the spec
// destination dest (a clean absolute path) inside the root, when fd is
// on procfs or sysfs and the rules above do not allow it.
func (s *setup) checkTarget(dest string, fd int) error {
	fs, err := pseudoFS(fd, dest)
	if err != nil || fs == "" {
		return err
	}
	if s.isLiteral(dest, fd) && (fs == "sysfs" || dest == "/proc" || lxcfsFiles[dest]) {
		return nil
	}
	return s.refuseTarget(dest, fd, fs)
}

// checkParent refuses to create the missing file dest in parent, the
// resolution of its parent directory, when that is on procfs or sysfs:
// neither can hold a new file, and the kernel's refusal would not say
// where the image's symlinks led.
func (s *setup) checkParent(dest string, parent int) error {
	fs, err := pseudoFS(parent, dest)
	if err != nil || fs == "" {
		return err
	}
	return fmt.Errorf("destination %q would be a new file in %s on %s", dest, s.nameInRoot(parent), fs)
}

// pseudoFS names the filesystem fd is on when it is procfs or sysfs,
// and returns "" otherwise.
func pseudoFS(fd int, dest string) (string, error) {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return "", fmt.Errorf("statfs %q: %w", dest, err)
	}
	switch st.Type {
	case unix.PROC_SUPER_MAGIC:
		return "procfs", nil
	case unix.SYSFS_MAGIC:
		return "sysfs", nil
	}
	return "", nil
}

// refuseTarget is the error for a destination that led onto fs at fd.
func (s *setup) refuseTarget(dest string, fd int, fs string) error {
	if fs == "sysfs" {
		return fmt.Errorf("destination %q resolves to %s on sysfs through a symlink: a spec may mount in /sys only at paths it names itself", dest, s.nameInRoot(fd))
	}
	return fmt.Errorf("destination %q resolves to %s on procfs: only /proc itself and the files lxcfs emulates (/proc/meminfo, /proc/stat...), named without a symlink, may be mounted there", dest, s.nameInRoot(fd))
}

// isLiteral reports whether dest, walked from the root one component at
// a time without following any symlink, reaches the very file fd holds.
// It does cross mount points, as any lookup does: /proc/meminfo is on
// the procfs mounted at /proc.
func (s *setup) isLiteral(dest string, fd int) bool {
	cur := s.root
	defer func() {
		if cur != s.root {
			unix.Close(cur)
		}
	}()
	for _, name := range strings.Split(strings.TrimPrefix(dest, "/"), "/") {
		// On a symlink, O_NOFOLLOW opens the link itself, and the next
		// openat, relative to a link, fails with ENOTDIR.
		next, err := unix.Openat(cur, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return false
		}
		if cur != s.root {
			unix.Close(cur)
		}
		cur = next
	}
	var a, b unix.Stat_t
	if unix.Fstat(cur, &a) != nil || unix.Fstat(fd, &b) != nil {
		return false
	}
	return a.Mode&unix.S_IFMT != unix.S_IFLNK && a.Dev == b.Dev && a.Ino == b.Ino
}

// nameInRoot names fd, for an error message, as a path inside the root
// when it is one: the kernel's name for it (its magic link in the
// verified procfs) less the root's own. Anything else is quoted whole.
func (s *setup) nameInRoot(fd int) string {
	name, err := readlinkat(s.proc, fdName(fd))
	if err != nil {
		return "a file"
	}
	if root, err := readlinkat(s.proc, fdName(s.root)); err == nil {
		if rest, ok := strings.CutPrefix(name, root); ok && (rest == "" || rest[0] == '/') {
			name = "/" + strings.TrimPrefix(rest, "/")
		}
	}
	return fmt.Sprintf("%q", name)
}
