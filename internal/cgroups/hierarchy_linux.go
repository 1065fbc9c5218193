package cgroups

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ocikit/ocikit/internal/fsutil"
	"github.com/ocikit/ocikit/internal/mountinfo"
)

// Hierarchy is one mounted cgroup hierarchy of the host.
type Hierarchy struct {
	Mountpoint  string   // e.g. /sys/fs/cgroup/memory or /sys/fs/cgroup
	Root        string   // the hierarchy path mounted there (mountinfo field 4), usually "/"
	Version     int      // 1 or 2
	Controllers []string // v1: the mount's controllers, e.g. [cpu cpuacct] or [name=systemd]; v2: nil
}

// Key names a hierarchy in a Manager's path map: "unified" for cgroup v2,
// otherwise the comma-joined controllers, as in /proc/self/cgroup.
func (h Hierarchy) Key() string {
	if h.Version == 2 {
		return "unified"
	}
	return strings.Join(h.Controllers, ",")
}

// has reports whether the v1 hierarchy carries controller c.
func (h Hierarchy) has(c string) bool { return slices.Contains(h.Controllers, c) }

// Hierarchies lists the cgroup hierarchies mounted in the caller's mount
// namespace, from /proc/self/mountinfo. A hierarchy mounted more than once
// is listed once.
func Hierarchies() ([]Hierarchy, error) {
	const path = "/proc/self/mountinfo"
	b, err := fsutil.ReadFile(path) // on a bare descriptor: see readFile
	if err != nil {
		return nil, fmt.Errorf("list cgroup hierarchies: %w", err)
	}
	hs, err := parseMountinfo(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("list cgroup hierarchies: read %q: %w", path, err)
	}
	return hs, nil
}

// v1 superblock options that are flags, not controller names.
var v1Flags = map[string]bool{
	"rw": true, "ro": true, "clone_children": true, "noprefix": true,
	"xattr": true, "cpuset_v2_mode": true, "favordynmods": true, "none": true,
}

// parseMountinfo reads the cgroup and cgroup2 mounts of a mountinfo table,
// skipping lines it cannot read: a stray line must not hide the
// hierarchies. When a hierarchy is mounted more than once the mount with
// the shortest Root wins (the first one on a tie): a bind mount of a
// sub-cgroup covers only part of the hierarchy, the mount of its root
// covers all of it.
func parseMountinfo(r io.Reader) ([]Hierarchy, error) {
	es, err := mountinfo.ParseLenient(r)
	if err != nil {
		return nil, err
	}
	var hs []Hierarchy
	index := map[string]int{}
	for _, e := range es {
		h := Hierarchy{Root: e.Root, Mountpoint: e.Mountpoint}
		switch e.FSType {
		case "cgroup2":
			h.Version = 2
		case "cgroup":
			h.Version = 1
			for _, o := range strings.Split(e.SuperOptions, ",") {
				if v1Flags[o] || strings.HasPrefix(o, "release_agent=") {
					continue
				}
				h.Controllers = append(h.Controllers, o)
			}
			if len(h.Controllers) == 0 {
				continue
			}
		default:
			continue
		}
		if i, ok := index[h.Key()]; ok {
			if len(h.Root) < len(hs[i].Root) {
				hs[i] = h
			}
			continue
		}
		index[h.Key()] = len(hs)
		hs = append(hs, h)
	}
	return hs, nil
}
