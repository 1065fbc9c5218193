package cgroups

import (
	"fmt"
	"maps"
	"strconv"
)

// ForExec returns the Manager whose cgroups a process exec'd into the
// container joins: m itself, unless the container's cgroup v2 directory
// can take no process. That is so once controllers are enabled for its
// children (the kernel's no-internal-process rule refuses a join with
// EBUSY), as after systemd, given the cgroup (Delegate), has moved itself
// into init.scope and enabled controllers for its slices. The process
// then joins its init's cgroup, as runc and crun do, provided that lies
// inside the container's: a cgroup the container's init moved to
// elsewhere is not one the container owns, and the kernel's refusal
// stands. The returned Manager is for joining only: it owns nothing.
func (m *Manager) ForExec(initPid int) (*Manager, error) {
	dir, ok := m.Paths[unifiedKey]
	if !ok {
		return m, nil
	}
	sc, err := readFile(dir, "cgroup.subtree_control")
	if err != nil || sc == "" {
		return m, nil
	}
	initDir, err := procCgroupDir(initPid)
	if err != nil {
		return nil, err
	}
	if initDir == dir || !within(initDir, dir) {
		return m, nil
	}
	if err := checkCgroupFS(initDir); err != nil {
		return nil, err
	}
	j := &Manager{Paths: maps.Clone(m.Paths), rootless: m.rootless, log: m.log}
	j.Paths[unifiedKey] = initDir
	m.log.Debug("cgroups: the container's cgroup has controllers on for its children; joining its init's", "cgroup", dir, "init", initDir)
	return j, nil
}

// procCgroupDir is the host directory of process pid's cgroup v2.
func procCgroupDir(pid int) (string, error) {
	ms, err := procCgroups(strconv.Itoa(pid))
	if err != nil {
		return "", fmt.Errorf("read the cgroup of process %d: %w", pid, err)
	}
	hs, err := Hierarchies()
	if err != nil {
		return "", err
	}
	for _, h := range hs {
		if h.Version != 2 {
			continue
		}
		if mb, ok := find(ms, h); ok {
			return hostDir(h, mb.path)
		}
	}
	return "", fmt.Errorf("read the cgroup of process %d: no cgroup v2 line in /proc/%d/cgroup", pid, pid)
}
