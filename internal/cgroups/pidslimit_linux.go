package cgroups

import "path/filepath"

// PidsLimited reports whether a pids limit holds the container's cgroup:
// its own pids.max or an ancestor's (an engine's pod cgroup) is not
// "max". A process that must fork and start threads inside such a cgroup
// may find no room; oci-exec then moves its process in late. A cgroup
// without the pids controller, or whose file cannot be read, reports
// false: the process joins as usual and any failure is the kernel's.
func (m *Manager) PidsLimited() bool {
	key, ok := m.route("pids")
	if !ok {
		return false
	}
	// The walk ends at the hierarchy's root, which has no pids.max, or
	// at the first directory that is not a cgroup.
	for dir := m.Paths[key]; ; dir = filepath.Dir(dir) {
		v, err := readFile(dir, "pids.max")
		if err != nil {
			return false
		}
		if v != "max" {
			return true
		}
		if dir == "/" {
			return false
		}
	}
}
