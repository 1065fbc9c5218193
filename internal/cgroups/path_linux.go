package cgroups

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// ErrSystemdPath is returned for a linux.cgroupsPath in systemd's
// "slice:prefix:name" form, which needs the systemd cgroup driver.
var ErrSystemdPath = errors.New("systemd cgroup paths (slice:prefix:name) are not supported yet")

// resolve works out the container's cgroup directory, an absolute host path,
// in every hierarchy of hs, keyed by Hierarchy.Key. own is the caller's
// /proc/self/cgroup; it anchors relative paths.
func resolve(id, cgroupsPath string, hs []Hierarchy, own []membership) (map[string]string, error) {
	p := cgroupsPath
	if isSystemdPath(p) {
		return nil, fmt.Errorf("cgroupsPath %q: %w", p, ErrSystemdPath)
	}
	if strings.ContainsAny(p, "\x00\n") {
		// A newline would forge lines in every /proc/<pid>/cgroup that
		// names this cgroup, which tools (this one included) parse.
		return nil, fmt.Errorf("cgroupsPath %q: contains a newline or NUL", p)
	}
	if p == "" {
		p = "ocikit-" + id
	}
	absolute := strings.HasPrefix(p, "/")
	rel, err := cleanWithin(strings.TrimPrefix(p, "/"))
	if err != nil {
		return nil, fmt.Errorf("cgroupsPath %q: %w", p, err)
	}
	if absolute && rel == "" {
		return nil, fmt.Errorf("cgroupsPath %q: names the root cgroup, which a container must not own", p)
	}
	paths := make(map[string]string, len(hs))
	for _, h := range hs {
		m, known := find(own, h)
		base := "/"
		if !absolute {
			if !known {
				return nil, fmt.Errorf("cgroupsPath %q: the caller's cgroup in the %s hierarchy is not in /proc/self/cgroup", p, h.Key())
			}
			base = m.path
		}
		if hasDotDot(base) {
			return nil, fmt.Errorf("cgroupsPath %q: the caller's cgroup %q in the %s hierarchy lies outside its cgroup namespace", p, base, h.Key())
		}
		cg := path.Join(base, rel)
		// A cgroup that holds the runtime itself would make Signal kill
		// the runtime and its neighbours, and Destroy could never succeed:
		// refuse it (this also covers the root cgroup).
		if known && !hasDotDot(m.path) && within(m.path, cg) {
			return nil, fmt.Errorf("cgroupsPath %q: cgroup %q of the %s hierarchy holds the runtime itself (%q)", p, cg, h.Key(), m.path)
		}
		dir, err := hostDir(h, cg)
		if err != nil {
			return nil, fmt.Errorf("cgroupsPath %q: %w", p, err)
		}
		paths[h.Key()] = dir
	}
	return paths, nil
}

// isSystemdPath reports whether p has systemd's "slice:prefix:name" form.
// A plain cgroup path has no reason to look like that, and treating it as
// a directory name would silently create a cgroup the user did not mean.
func isSystemdPath(p string) bool {
	parts := strings.Split(p, ":")
	return len(parts) == 3 && !strings.Contains(parts[0], "/")
}

// cleanWithin cleans a relative path like path.Clean, but fails when ".."
// would climb above the directory it is relative to, so a cgroupsPath
// cannot reach a cgroup outside its anchor.
func cleanWithin(rel string) (string, error) {
	var out []string
	for _, c := range strings.Split(rel, "/") {
		switch c {
		case "", ".":
		case "..":
			if len(out) == 0 {
				return "", errors.New(`".." leads out of the cgroup it is relative to`)
			}
			out = out[:len(out)-1]
		default:
			out = append(out, c)
		}
	}
	return strings.Join(out, "/"), nil
}

// hasDotDot reports whether p has a ".." component. The kernel writes such
// paths for cgroups above the reader's cgroup namespace root.
func hasDotDot(p string) bool {
	return slices.Contains(strings.Split(p, "/"), "..")
}

// within reports whether cgroup path p is dir or lies below it.
func within(p, dir string) bool {
	return dir == "/" || p == dir || strings.HasPrefix(p, dir+"/")
}

// hostDir maps cgroup path cg (from the root of the caller's cgroup
// namespace, like mountinfo's Root field) to a directory under h's
// mountpoint. A mount of a sub-cgroup (Root other than "/", as in a cgroup
// namespace or a bind mount) only reaches the cgroups below its Root.
func hostDir(h Hierarchy, cg string) (string, error) {
	root := h.Root
	if root == "" || hasDotDot(root) || !within(cg, path.Clean(root)) {
		return "", fmt.Errorf("cgroup %q lies outside %q, the part of the %s hierarchy mounted at %q", cg, root, h.Key(), h.Mountpoint)
	}
	return filepath.Join(h.Mountpoint, strings.TrimPrefix(cg, path.Clean(root))), nil
}
