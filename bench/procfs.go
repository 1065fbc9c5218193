package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ocikit/ocikit/internal/mountinfo"
)

// ProcStatus holds the fields of /proc/<pid>/status the memory phase
// reports; sizes are in KiB, as the kernel prints them.
type ProcStatus struct {
	VmRSS    int64 `json:"vm_rss_kb"`
	VmHWM    int64 `json:"vm_hwm_kb"`
	RssAnon  int64 `json:"rss_anon_kb"`
	RssFile  int64 `json:"rss_file_kb"`
	RssShmem int64 `json:"rss_shmem_kb"`
	Threads  int64 `json:"threads"`
}

// ParseProcStatus reads the "Key:\tvalue [kB]" lines of a status file.
// Keys it does not know are skipped; a known key with a value that is not
// a number is an error, since it means the format is not the one assumed.
func ParseProcStatus(r io.Reader) (ProcStatus, error) {
	var st ProcStatus
	fields := map[string]*int64{
		"VmRSS": &st.VmRSS, "VmHWM": &st.VmHWM, "RssAnon": &st.RssAnon,
		"RssFile": &st.RssFile, "RssShmem": &st.RssShmem, "Threads": &st.Threads,
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		dst := fields[key]
		if !ok || dst == nil {
			continue
		}
		val = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(val), "kB"))
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return ProcStatus{}, fmt.Errorf("status field %s: %w", key, err)
		}
		*dst = n
	}
	return st, sc.Err()
}

// Mount is one line of /proc/self/mountinfo, reduced to what the program
// needs to find cgroup hierarchies.
type Mount struct {
	Root       string
	MountPoint string
	FSType     string
	Super      []string // super block options: a v1 hierarchy's controllers are among them
}

// mountsOf reduces a parsed mountinfo table to Mounts.
func mountsOf(es []mountinfo.Entry) []Mount {
	ms := make([]Mount, 0, len(es))
	for _, e := range es {
		ms = append(ms, Mount{Root: e.Root, MountPoint: e.Mountpoint, FSType: e.FSType, Super: strings.Split(e.SuperOptions, ",")})
	}
	return ms
}

// CgroupMounts returns the cgroup (v1) and cgroup2 mounts of ms whose
// root is the hierarchy's root, the only ones where an absolute
// cgroupsPath maps to MountPoint+path.
func CgroupMounts(ms []Mount) []Mount {
	var out []Mount
	for _, m := range ms {
		if (m.FSType == "cgroup" || m.FSType == "cgroup2") && m.Root == "/" {
			out = append(out, m)
		}
	}
	return out
}

// HybridUnified reports whether ms is a hybrid layout: v1 hierarchies with
// a cgroup2 hierarchy mounted beside them at /sys/fs/cgroup/unified. That
// is the layout crun refuses, and the one this program unmounts in its
// own mount namespace.
func HybridUnified(ms []Mount) bool {
	v1, unified := false, false
	for _, m := range ms {
		switch {
		case m.FSType == "cgroup":
			v1 = true
		case m.FSType == "cgroup2" && m.MountPoint == "/sys/fs/cgroup/unified":
			unified = true
		}
	}
	return v1 && unified
}

// MemoryMount returns the mount point of the v1 memory hierarchy, or ""
// when there is none (a v2 host charges memory in the unified tree).
func MemoryMount(ms []Mount) string {
	for _, m := range CgroupMounts(ms) {
		if m.FSType != "cgroup" {
			continue
		}
		for _, o := range m.Super {
			if o == "memory" {
				return m.MountPoint
			}
		}
	}
	return ""
}
