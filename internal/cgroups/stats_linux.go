package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Stats is a container's current resource usage, read from its cgroup
// files. A part (and a field) the container's hierarchies do not have is
// nil and left out of the JSON, never reported as zero: a missing number
// and a zero one mean different things to a monitor. man/oci-stats.1.md
// documents the schema.
type Stats struct {
	Memory  *MemoryStats            `json:"memory,omitempty"`
	CPU     *CPUStats               `json:"cpu,omitempty"`
	Pids    *PidsStats              `json:"pids,omitempty"`
	Blkio   []BlkioDevice           `json:"blkio,omitempty"`
	Hugetlb map[string]HugetlbStats `json:"hugetlb,omitempty"`
}

// MemoryStats is in bytes. A limit is left out when there is none.
type MemoryStats struct {
	Usage     *uint64 `json:"usage,omitempty"`
	Limit     *uint64 `json:"limit,omitempty"`
	MaxUsage  *uint64 `json:"max_usage,omitempty"` // v1 only
	Cache     *uint64 `json:"cache,omitempty"`     // v1 memory.stat
	RSS       *uint64 `json:"rss,omitempty"`       // v1 memory.stat
	Anon      *uint64 `json:"anon,omitempty"`      // v2 memory.stat
	File      *uint64 `json:"file,omitempty"`      // v2 memory.stat
	SwapUsage *uint64 `json:"swap_usage,omitempty"`
	SwapLimit *uint64 `json:"swap_limit,omitempty"`
}

// CPUStats times are in nanoseconds.
type CPUStats struct {
	UsageTotal       *uint64 `json:"usage_total,omitempty"`
	UsageUser        *uint64 `json:"usage_user,omitempty"`
	UsageSystem      *uint64 `json:"usage_system,omitempty"`
	Periods          *uint64 `json:"periods,omitempty"`
	ThrottledPeriods *uint64 `json:"throttled_periods,omitempty"`
	ThrottledTime    *uint64 `json:"throttled_time,omitempty"`
}

// PidsStats counts tasks; Limit is left out when there is none.
type PidsStats struct {
	Current *uint64 `json:"current,omitempty"`
	Limit   *uint64 `json:"limit,omitempty"`
}

// BlkioDevice is the I/O the container did on one block device.
type BlkioDevice struct {
	Major      uint64  `json:"major"`
	Minor      uint64  `json:"minor"`
	ReadBytes  *uint64 `json:"read_bytes,omitempty"`
	WriteBytes *uint64 `json:"write_bytes,omitempty"`
	ReadIOs    *uint64 `json:"read_ios,omitempty"`
	WriteIOs   *uint64 `json:"write_ios,omitempty"`
}

// HugetlbStats is in bytes, for one huge page size.
type HugetlbStats struct {
	Usage    *uint64 `json:"usage,omitempty"`
	MaxUsage *uint64 `json:"max_usage,omitempty"` // v1 only
	Limit    *uint64 `json:"limit,omitempty"`
}

// Stats reads the container's current usage from every hierarchy m holds.
// Each controller is read where it is: its v1 hierarchy when one is
// mounted, otherwise the unified one (on a hybrid host hugetlb may live
// only there). Stats only reads fixed file names below m's own
// directories, so it needs no check that they are cgroups: a forged
// state file could only make it print numbers from the caller's own
// files.
func (m *Manager) Stats() (*Stats, error) {
	if len(m.Paths) == 0 {
		return nil, ErrNoCgroup
	}
	var s Stats
	var err error
	if dir, v2, ok := m.controllerDir("memory", "memory.current"); ok {
		if s.Memory, err = readMemory(dir, v2); err != nil {
			return nil, err
		}
	}
	if dir, v2, ok := m.controllerDir("cpuacct", "cpu.stat"); ok {
		if s.CPU, err = readCPU(dir, v2); err != nil {
			return nil, err
		}
	}
	// v1 keeps the throttling counters in the cpu controller, which may be
	// mounted apart from cpuacct.
	if dir, v2, ok := m.controllerDir("cpu", "cpu.stat"); ok && !v2 {
		if s.CPU == nil {
			s.CPU = &CPUStats{}
		}
		if err := readThrottling(dir, s.CPU); err != nil {
			return nil, err
		}
	}
	if dir, _, ok := m.controllerDir("pids", "pids.current"); ok {
		if s.Pids, err = readPids(dir); err != nil {
			return nil, err
		}
	}
	if dir, v2, ok := m.controllerDir("blkio", "io.stat"); ok {
		if s.Blkio, err = readBlkio(dir, v2); err != nil {
			return nil, err
		}
	}
	if dir, v2, ok := m.controllerDir("hugetlb", ""); ok {
		if s.Hugetlb, err = readHugetlb(dir, v2); err != nil {
			return nil, err
		}
	}
	return &s, nil
}

// controllerDir finds the directory to read controller c from: the v1
// hierarchy carrying it, else the unified cgroup when v2File (the
// controller's v2 file) exists there; an empty v2File takes the unified
// cgroup whenever it has any file of the controller.
func (m *Manager) controllerDir(c, v2File string) (dir string, v2 bool, ok bool) {
	for _, key := range m.keys() {
		if key != "unified" && slices.Contains(strings.Split(key, ","), c) {
			return m.Paths[key], false, true
		}
	}
	u, ok := m.Paths["unified"]
	if !ok {
		return "", false, false
	}
	if v2File == "" {
		names, _ := filepath.Glob(filepath.Join(u, c+".*"))
		return u, true, len(names) > 0
	}
	if _, err := os.Stat(filepath.Join(u, v2File)); err != nil {
		return "", false, false
	}
	return u, true, true
}

// optional reads one number from a cgroup file, nil when the file is
// missing (the kernel lacks it, or the hierarchy was mounted without the
// option) or holds "max".
func optional(dir, name string) (*uint64, error) {
	s, err := readFile(dir, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read cgroup stats: %w", err)
	}
	if s == "max" {
		return nil, nil
	}
	v, err := parseStatUint(s)
	if err != nil {
		return nil, fmt.Errorf("read cgroup stats: %q: %w", filepath.Join(dir, name), err)
	}
	return &v, nil
}

// optionalLimit is optional for a v1 limit file, where "no limit" is the
// largest page-aligned int64 rather than "max".
func optionalLimit(dir, name string) (*uint64, error) {
	v, err := optional(dir, name)
	if v != nil && *v >= v1Unlimited {
		return nil, err
	}
	return v, err
}

// v1Unlimited is the smallest value a v1 limit file shows when unset:
// LONG_MAX rounded down to the page size (4 KiB to 64 KiB pages).
const v1Unlimited = (1<<63 - 1) &^ (64<<10 - 1)

// readKeyed reads a "key value" file (memory.stat, cpu.stat) into a map;
// a missing file gives nil.
func readKeyed(dir, name string) (map[string]uint64, error) {
	s, err := readFile(dir, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read cgroup stats: %w", err)
	}
	return parseKeyed(s), nil
}

// keyPtr returns a pointer to kv[k], nil when kv has no k.
func keyPtr(kv map[string]uint64, k string) *uint64 {
	v, ok := kv[k]
	if !ok {
		return nil
	}
	return &v
}
