package container

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cerr"
	"github.com/ocikit/ocikit/internal/initproto"
	"github.com/ocikit/ocikit/internal/spec"
)

// idmapTree is one id-mapped mount in the making: a detached copy of its
// source (open_tree), made by the runtime before the init exists so the
// init inherits it, and given its id mapping once the user namespace it
// maps through exists.
type idmapTree struct {
	index     int // in spec.mounts, or initproto.IDMappedRoot
	dest      string
	source    string
	tree      *os.File
	submounts bool                   // rbind (and the root): the copy brings the mounts below the source
	recursive bool                   // ridmap: every mount of the tree is mapped, not only its top
	uids      []specs.LinuxIDMapping // the mount's own mappings; none: the container's
	gids      []specs.LinuxIDMapping
	// unmapped: the kernel cannot id-map the root filesystem; the init
	// binds it as it would without the annotation.
	unmapped bool
}

// idmapPlan holds the id-mapped mounts of a container.
type idmapPlan struct {
	trees []idmapTree
}

// idmapOptions reports whether a mount asks to be id-mapped and whether
// recursively, and whether its bind brings the mounts below the source
// along (rbind). Later options do not cancel earlier ones: there is no
// "noidmap".
func idmapOptions(opts []string) (idmap, ridmap, rbind bool) {
	for _, o := range opts {
		switch o {
		case "idmap":
			idmap = true
		case "ridmap":
			idmap, ridmap = true, true
		case "rbind":
			rbind = true
		}
	}
	return
}

// isBind reports whether a spec mount is a bind mount.
func isBind(m *specs.Mount) bool {
	if m.Type == "bind" {
		return true
	}
	for _, o := range m.Options {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}

// autoUserNS reports whether the spec's annotation asks for an automatic
// user namespace, which comes with an id-mapped root filesystem: the
// image's files, owned by root on the host, belong to the container's
// root, and the host never sees them owned by the block's ids.
func autoUserNS(s *specs.Spec) bool {
	v, ok := s.Annotations[spec.AnnotationUserNS]
	if !ok {
		return false
	}
	_, err := spec.ParseUserNS(v)
	return err == nil
}

// planIDMapped makes a detached copy of every mount source the spec asks
// to id-map, and of the root filesystem when the userns annotation asks
// for auto. Nothing is mapped yet. userNS says whether the container has
// a user namespace, the one a mount without mappings of its own maps
// through.
func planIDMapped(s *specs.Spec, rootfs, bundle string, userNS bool) (*idmapPlan, error) {
	p := &idmapPlan{}
	if autoUserNS(s) && s.Linux != nil && len(s.Linux.UIDMappings) > 0 {
		p.trees = append(p.trees, idmapTree{index: initproto.IDMappedRoot, dest: "/", source: rootfs, submounts: true, recursive: true})
	}
	for i := range s.Mounts {
		m := &s.Mounts[i]
		idmap, ridmap, rbind := idmapOptions(m.Options)
		own := len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0
		if !idmap && !own {
			continue
		}
		what := fmt.Sprintf("mounts[%d]", i)
		switch {
		case !idmap:
			// runtime-spec config.md: mappings on a mount go with the
			// idmap or ridmap option.
			return nil, p.fail(cerr.Op("mount", m.Destination, fmt.Errorf("%s has uidMappings or gidMappings but neither the idmap nor the ridmap option", what)))
		case !isBind(m):
			return nil, p.fail(cerr.Op("mount", m.Destination, fmt.Errorf("%s: idmap and ridmap are only for bind mounts", what)))
		case own && (len(m.UIDMappings) == 0 || len(m.GIDMappings) == 0):
			return nil, p.fail(cerr.Op("mount", m.Destination, fmt.Errorf("%s: an id-mapped mount needs both uidMappings and gidMappings", what)))
		case !own && !userNS:
			return nil, p.fail(cerr.Op("mount", m.Destination, fmt.Errorf("%s: idmap without uidMappings maps through the container's user namespace, and the container has none", what)))
		}
		src := m.Source
		if !filepath.IsAbs(src) {
			src = filepath.Join(bundle, src)
		}
		p.trees = append(p.trees, idmapTree{index: i, dest: m.Destination, source: src,
			submounts: rbind, recursive: ridmap, uids: m.UIDMappings, gids: m.GIDMappings})
	}
	for i := range p.trees {
		if err := p.trees[i].open(); err != nil {
			return nil, p.fail(err)
		}
	}
	return p, nil
}

// open makes the detached copy of the tree's source: its top mount, and
// with submounts every mount below it too. The copy is private to the
// runtime until the init moves it into the container, and made a slave
// of the source, as every other mount of the container is: host mounts
// still reach it, nothing the container mounts there reaches the host.
func (t *idmapTree) open() error {
	flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
	if t.submounts {
		flags |= unix.AT_RECURSIVE
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, t.source, flags)
	if err != nil {
		if errors.Is(err, unix.EPERM) && os.Geteuid() != 0 {
			err = fmt.Errorf("%w (an id-mapped mount is made by a runtime running as root)", err)
		}
		return cerr.Op("copy mount tree", t.source, err)
	}
	t.tree = os.NewFile(uintptr(fd), t.source)
	attr := unix.MountAttr{Propagation: unix.MS_SLAVE}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
		return cerr.Op("make mount tree a slave", t.source, err)
	}
	return nil
}

// fail closes what the plan opened and returns err.
func (p *idmapPlan) fail(err error) error {
	p.close()
	return err
}

func (p *idmapPlan) close() {
	for _, t := range p.trees {
		if t.tree != nil {
			t.tree.Close()
		}
	}
}

// hand gives the trees to the init and returns what its Config says of
// them.
func (p *idmapPlan) hand(l *launcher) []initproto.IDMappedMount {
	var out []initproto.IDMappedMount
	for _, t := range p.trees {
		out = append(out, initproto.IDMappedMount{Index: t.index, Dest: t.dest, FD: l.add(t.tree)})
	}
	return out
}

// told updates what the Config says of the trees (from hand) once apply
// has run: a tree the kernel could not map is marked so.
func (p *idmapPlan) told(cfg []initproto.IDMappedMount) {
	for i, t := range p.trees {
		cfg[i].Unmapped = t.unmapped
	}
}

// apply gives each tree its mapping: that of the user namespace of
// process pid (the container's init), or, for a mount with mappings of
// its own, that of a holder user namespace made with them. The init holds
// the same trees by its inherited descriptors and has not attached them
// yet (it waits for its Config), which the kernel requires.
//
// The runtime does it, not the init: setting MOUNT_ATTR_IDMAP takes
// CAP_SYS_ADMIN over the filesystem's own user namespace (the host's),
// which nothing in the container has.
//
// A mount that asks for idmap fails when the kernel cannot id-map its
// filesystem. The root filesystem, which only the userns annotation
// implies, is then left unmapped with a warning on log, as
// docs/userns.md describes: the container runs with the image's files
// owned by the overflow id.
func (p *idmapPlan) apply(pid int, log *slog.Logger) error {
	if len(p.trees) == 0 {
		return nil
	}
	var container *os.File
	defer func() {
		if container != nil {
			container.Close()
		}
	}()
	for i := range p.trees {
		t := &p.trees[i]
		var ns *os.File
		if len(t.uids) > 0 {
			h, err := holdUserNS(t.uids, t.gids)
			if err != nil {
				return cerr.Op("id-map mount", t.dest, err)
			}
			ns = h
		} else {
			if container == nil {
				path := fmt.Sprintf("/proc/%d/ns/user", pid)
				f, err := os.Open(path)
				if err != nil {
					return cerr.Op("open user namespace", path, err)
				}
				container = f
			}
			ns = container
		}
		err := t.setIDMap(ns)
		if ns != container {
			ns.Close()
		}
		if errors.Is(err, unix.EINVAL) && t.index == initproto.IDMappedRoot {
			t.unmapped = true
			log.Warn("root filesystem not id-mapped: its files are owned by the overflow id inside", "path", t.source, "error", err)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// setIDMap maps the tree through user namespace ns.
func (t *idmapTree) setIDMap(ns *os.File) error {
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(ns.Fd())}
	flags := uint(unix.AT_EMPTY_PATH)
	if t.recursive {
		flags |= unix.AT_RECURSIVE
	}
	if err := unix.MountSetattr(int(t.tree.Fd()), "", flags, &attr); err != nil {
		if errors.Is(err, unix.EINVAL) {
			err = fmt.Errorf("%w (the kernel cannot id-map this filesystem%s)", err, fsTypeHint(t.tree))
		}
		return cerr.Op("id-map mount", t.source, err)
	}
	return nil
}

// fsTypeHint names the filesystem type of f's mount, for the error when
// the kernel refuses to id-map it (tmpfs before Linux 6.3, most network
// and pseudo filesystems).
func fsTypeHint(f *os.File) string {
	var st unix.Statfs_t
	if unix.Fstatfs(int(f.Fd()), &st) != nil {
		return ""
	}
	for name, magic := range map[string]int64{
		"tmpfs": unix.TMPFS_MAGIC, "ext4": unix.EXT4_SUPER_MAGIC, "xfs": unix.XFS_SUPER_MAGIC,
		"btrfs": unix.BTRFS_SUPER_MAGIC, "overlay": unix.OVERLAYFS_SUPER_MAGIC, "ramfs": unix.RAMFS_MAGIC,
		"nfs": unix.NFS_SUPER_MAGIC, "proc": unix.PROC_SUPER_MAGIC, "sysfs": unix.SYSFS_MAGIC,
	} {
		if st.Type == magic {
			return ": " + name
		}
	}
	return fmt.Sprintf(": type 0x%x", uint64(st.Type))
}
