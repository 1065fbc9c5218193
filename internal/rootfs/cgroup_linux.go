package rootfs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/ocikit/ocikit/internal/cgroups"
	"golang.org/x/sys/unix"
)

// mountCgroup gives the container its view of the cgroup hierarchies at
// dest: a cgroup2 mount when the host is pure cgroup v2, otherwise a
// tmpfs with one directory per host hierarchy.
func (s *setup) mountCgroup(dest string, o *mountOpts) error {
	hs, err := cgroups.Hierarchies()
	if err != nil {
		return err
	}
	if len(hs) == 1 && hs[0].Version == 2 {
		return s.mountCgroupUnified(dest, hs[0], o)
	}
	return s.mountCgroupV1(dest, hs, o)
}

// cgroupSource decides how hierarchy h appears in the container: a new
// cgroupfs instance (fresh) or a bind of hostDir. A new instance shows the
// root of the container's cgroup namespace, which is the container's own
// cgroup, so it is used when the container has a cgroup namespace and
// mayMount says the kernel allows it; otherwise the container's cgroup
// directory is bound, or, when the runtime made none for this hierarchy
// (a rootless container), the caller's own.
func (s *setup) cgroupSource(h cgroups.Hierarchy, mayMount bool) (hostDir string, fresh bool, err error) {
	if s.cfg.CgroupNS && mayMount {
		return "", true, nil
	}
	if p, ok := s.cfg.CgroupPaths[h.Key()]; ok {
		return p, false, nil
	}
	own, err := s.ownCgroupDir(h)
	if err == nil {
		return own, false, nil
	}
	if s.cfg.CgroupNS {
		// From inside a cgroup namespace the caller's cgroup cannot be
		// located on the host (its path is relative to the namespace
		// root), but a new instance shows exactly that cgroup.
		return "", true, nil
	}
	return "", false, err
}

// ownCgroupDir finds the caller's cgroup directory in hierarchy h.
func (s *setup) ownCgroupDir(h cgroups.Hierarchy) (string, error) {
	fd, err := unix.Openat(s.proc, "thread-self/cgroup", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", fmt.Errorf("open /proc/thread-self/cgroup: %w", err)
	}
	f := os.NewFile(uintptr(fd), "/proc/thread-self/cgroup")
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return "", fmt.Errorf("read /proc/thread-self/cgroup: %w", err)
	}
	return ownCgroupDir(h, string(data))
}

// ownCgroupDir finds, from the contents of /proc/self/cgroup, the host
// directory of the caller's cgroup in hierarchy h.
func ownCgroupDir(h cgroups.Hierarchy, procSelfCgroup string) (string, error) {
	var cg string
	found := false
	for _, line := range strings.Split(procSelfCgroup, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if h.Version == 2 && parts[0] == "0" && parts[1] == "" ||
			h.Version == 1 && sameSet(strings.Split(parts[1], ","), h.Controllers) {
			cg, found = parts[2], true
			break
		}
	}
	if !found {
		return "", fmt.Errorf("no cgroup of this process in hierarchy %q", h.Key())
	}
	// Both paths are relative to the caller's cgroup namespace root. A
	// mount root above it shows as "/..": its real path is unknown here.
	if slices.Contains(strings.Split(h.Root, "/"), "..") {
		return "", fmt.Errorf("hierarchy %q: mount root %q is outside the cgroup namespace", h.Key(), h.Root)
	}
	root, cg := path.Clean(h.Root), path.Clean(cg)
	switch {
	case root == "/":
		return path.Join(h.Mountpoint, cg), nil
	case cg == root:
		return h.Mountpoint, nil
	case strings.HasPrefix(cg, root+"/"):
		return path.Join(h.Mountpoint, cg[len(root):]), nil
	}
	return "", fmt.Errorf("hierarchy %q: cgroup %q is not below the mount root %q", h.Key(), cg, h.Root)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// mountCgroupUnified handles a pure cgroup v2 host.
func (s *setup) mountCgroupUnified(dest string, h cgroups.Hierarchy, o *mountOpts) error {
	dst, err := s.dirTarget(dest)
	if err != nil {
		return err
	}
	defer unix.Close(dst)
	hostDir, fresh, err := s.cgroupSource(h, true)
	if err != nil {
		return err
	}
	reopen := func() (int, error) { return s.reopenMounted(dest, dst) }
	if fresh {
		err = s.mountFd("cgroup2", noFd, dst, "cgroup2", o.flags&^(unix.MS_BIND|unix.MS_REC), "")
		if err == nil {
			top, err := reopen()
			if err != nil {
				return err
			}
			defer unix.Close(top)
			if err := checkFSType(top, "cgroup2"); err != nil {
				return err
			}
			return s.finish(top, o)
		}
		if !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EBUSY) {
			return err
		}
		// Not allowed to mount here (EPERM: a cgroup namespace owned by
		// another user namespace), or the destination is already the
		// root of a cgroup2 mount, which the kernel will not stack the
		// same superblock on (EBUSY: a rootless /sys is a recursive bind
		// of the host's and brings the host's /sys/fs/cgroup along,
		// locked, so it cannot be unmounted either): bind the
		// container's cgroup instead.
		if hostDir, err = s.bindSourceOnly(h); err != nil {
			return err
		}
	}
	top, err := s.bindCgroup(dst, hostDir, "cgroup2", o, reopen)
	if err != nil {
		return err
	}
	defer unix.Close(top)
	return s.finish(top, o)
}

// bindSourceOnly is cgroupSource when mounting is out of the question.
func (s *setup) bindSourceOnly(h cgroups.Hierarchy) (string, error) {
	if p, ok := s.cfg.CgroupPaths[h.Key()]; ok {
		return p, nil
	}
	return s.ownCgroupDir(h)
}

// bindCgroup binds the cgroup directory hostDir onto dst and gives it the
// spec mount's flags. Read-only is applied recursively: a writable cgroup
// below a read-only /sys/fs/cgroup would let the container change its
// own limits or escape them (CVE-2023-25809).
func (s *setup) bindCgroup(dst int, hostDir, fstype string, o *mountOpts, reopen func() (int, error)) (int, error) {
	src, err := unix.Open(hostDir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open cgroup %q: %w", hostDir, err)
	}
	defer unix.Close(src)
	if err := checkFSType(src, fstype); err != nil {
		return -1, fmt.Errorf("cgroup %q: %w", hostDir, err)
	}
	if err := s.mountFd("", src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return -1, fmt.Errorf("bind cgroup %q: %w", hostDir, err)
	}
	top, err := reopen()
	if err != nil {
		return -1, err
	}
	if err := s.remountBind(top, o.flags, o.touched); err != nil {
		unix.Close(top)
		return -1, err
	}
	if o.flags&unix.MS_RDONLY != 0 {
		if err := setRecursive(top, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}); err != nil {
			unix.Close(top)
			return -1, err
		}
	}
	return top, nil
}

// mountCgroupV1 handles cgroup v1 and hybrid hosts: a tmpfs at dest, one
// directory per hierarchy named as on the host, and the host's symlinks
// for co-mounted controllers.
func (s *setup) mountCgroupV1(dest string, hs []cgroups.Hierarchy, o *mountOpts) error {
	dst, err := s.dirTarget(dest)
	if err != nil {
		return err
	}
	defer unix.Close(dst)
	// The tmpfs stays writable until its directories exist.
	tmpfsFlags := o.flags &^ (unix.MS_RDONLY | unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT)
	if err := s.mountFd("tmpfs", noFd, dst, "tmpfs", tmpfsFlags, "mode=755"); err != nil {
		return err
	}
	top, err := s.reopenMounted(dest, dst)
	if err != nil {
		return err
	}
	defer unix.Close(top)
	if err := checkFSType(top, "tmpfs"); err != nil {
		return err
	}
	topID, _, err := mountID(top)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, h := range hs {
		name := path.Base(h.Mountpoint)
		if name == "/" || name == "." || name == ".." || seen[name] {
			continue
		}
		seen[name] = true
		fstype := "cgroup"
		if h.Version == 2 {
			fstype = "cgroup2"
		}
		if err := s.mountHierarchy(top, topID, name, h, o); err != nil {
			return fmt.Errorf("%s %q: %w", fstype, path.Join(dest, name), err)
		}
	}
	for _, l := range cgroupLinks(hs, isHostSymlink) {
		if err := unix.Symlinkat(l.target, top, l.name); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("symlink %q: %w", path.Join(dest, l.name), err)
		}
	}
	if o.flags&unix.MS_RDONLY != 0 {
		if err := s.remountBind(top, o.flags, o.touched); err != nil {
			return err
		}
	}
	return s.finish(top, o)
}

// mountHierarchy mounts one hierarchy on the directory name of the cgroup
// tmpfs top, whose mount is topID.
func (s *setup) mountHierarchy(top int, topID uint64, name string, h cgroups.Hierarchy, o *mountOpts) error {
	if err := unix.Mkdirat(top, name, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("mkdir: %w", err)
	}
	dst, err := unix.Openat(top, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer unix.Close(dst)
	fstype, data := "cgroup", strings.Join(h.Controllers, ",")
	if h.Version == 2 {
		fstype, data = "cgroup2", ""
	}
	// cgroup v1 mounts are allowed in a user namespace only for a cgroup
	// namespace it owns, which the runtime does not promise: bind there.
	hostDir, fresh, err := s.cgroupSource(h, !s.cfg.UserNS)
	if err != nil {
		return err
	}
	reopen := func() (int, error) { return reopenChild(top, name, topID) }
	if fresh {
		if err := s.mountFd(fstype, noFd, dst, fstype, o.flags&^(unix.MS_BIND|unix.MS_REC|unix.MS_REMOUNT), data); err != nil {
			return err
		}
		sub, err := reopen()
		if err != nil {
			return err
		}
		defer unix.Close(sub)
		return checkFSType(sub, fstype)
	}
	sub, err := s.bindCgroup(dst, hostDir, fstype, o, reopen)
	if err != nil {
		return err
	}
	return unix.Close(sub)
}

// symlink is a symbolic link to make: name, in some directory, pointing at target.
type symlink struct{ name, target string }

// cgroupLinks lists the symlinks to recreate for hierarchies with several
// controllers: a host that mounts "cpu,cpuacct" usually links "cpu" and
// "cpuacct" to it, and tools in the container look for those names.
func cgroupLinks(hs []cgroups.Hierarchy, isLink func(string) bool) []symlink {
	var links []symlink
	for _, h := range hs {
		if h.Version != 1 || len(h.Controllers) < 2 {
			continue
		}
		base := path.Base(h.Mountpoint)
		for _, c := range h.Controllers {
			if c == base || strings.HasPrefix(c, "name=") {
				continue
			}
			if isLink(path.Join(path.Dir(h.Mountpoint), c)) {
				links = append(links, symlink{name: c, target: base})
			}
		}
	}
	return links
}

func isHostSymlink(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.Mode()&os.ModeSymlink != 0
}
