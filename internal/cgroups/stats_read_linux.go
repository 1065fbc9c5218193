package cgroups

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// userHZ is the unit of v1 cpuacct.stat: clock ticks as user space sees
// them, fixed at 100 on Linux whatever the kernel's own tick rate.
const userHZ = 100

func parseStatUint(s string) (uint64, error) {
	return strconv.ParseUint(strings.TrimSpace(s), 10, 64)
}

// parseKeyed reads "key value" lines; a line that is not one is skipped,
// so a field a newer kernel adds in another shape cannot break the rest.
func parseKeyed(s string) map[string]uint64 {
	kv := map[string]uint64{}
	for line := range strings.Lines(s) {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		if v, err := strconv.ParseUint(f[1], 10, 64); err == nil {
			kv[f[0]] = v
		}
	}
	return kv
}

func readMemory(dir string, v2 bool) (*MemoryStats, error) {
	var ms MemoryStats
	var err error
	read := func(dst **uint64, name string, limit bool) {
		if err != nil {
			return
		}
		if limit {
			*dst, err = optionalLimit(dir, name)
		} else {
			*dst, err = optional(dir, name)
		}
	}
	var kv map[string]uint64
	if v2 {
		read(&ms.Usage, "memory.current", false)
		read(&ms.Limit, "memory.max", true)
		read(&ms.MaxUsage, "memory.peak", false) // kernels since 5.19
		read(&ms.SwapUsage, "memory.swap.current", false)
		read(&ms.SwapLimit, "memory.swap.max", true)
		if err == nil {
			kv, err = readKeyed(dir, "memory.stat")
		}
		ms.Anon, ms.File = keyPtr(kv, "anon"), keyPtr(kv, "file")
		return &ms, err
	}
	var memswUsage, memswLimit *uint64
	read(&ms.Usage, "memory.usage_in_bytes", false)
	read(&ms.Limit, "memory.limit_in_bytes", true)
	read(&ms.MaxUsage, "memory.max_usage_in_bytes", false)
	read(&memswUsage, "memory.memsw.usage_in_bytes", false)
	read(&memswLimit, "memory.memsw.limit_in_bytes", true)
	if err == nil {
		kv, err = readKeyed(dir, "memory.stat")
	}
	if err != nil {
		return nil, err
	}
	// The total_ counters include the container's own sub-cgroups.
	ms.Cache, ms.RSS = keyPtr(kv, "total_cache"), keyPtr(kv, "total_rss")
	if ms.Cache == nil {
		ms.Cache, ms.RSS = keyPtr(kv, "cache"), keyPtr(kv, "rss")
	}
	// v1 counts memory and swap together in memsw; swap alone is the
	// difference.
	if memswUsage != nil && ms.Usage != nil && *memswUsage >= *ms.Usage {
		v := *memswUsage - *ms.Usage
		ms.SwapUsage = &v
	}
	if memswLimit != nil && ms.Limit != nil && *memswLimit >= *ms.Limit {
		v := *memswLimit - *ms.Limit
		ms.SwapLimit = &v
	}
	return &ms, nil
}

func readCPU(dir string, v2 bool) (*CPUStats, error) {
	var cs CPUStats
	if v2 {
		kv, err := readKeyed(dir, "cpu.stat")
		if err != nil {
			return nil, err
		}
		usec := func(k string) *uint64 {
			p := keyPtr(kv, k)
			if p != nil {
				*p *= 1000
			}
			return p
		}
		cs.UsageTotal, cs.UsageUser, cs.UsageSystem = usec("usage_usec"), usec("user_usec"), usec("system_usec")
		cs.Periods, cs.ThrottledPeriods, cs.ThrottledTime = keyPtr(kv, "nr_periods"), keyPtr(kv, "nr_throttled"), usec("throttled_usec")
		return &cs, nil
	}
	var err error
	if cs.UsageTotal, err = optional(dir, "cpuacct.usage"); err != nil {
		return nil, err
	}
	if cs.UsageUser, err = optional(dir, "cpuacct.usage_user"); err != nil {
		return nil, err
	}
	if cs.UsageSystem, err = optional(dir, "cpuacct.usage_sys"); err != nil {
		return nil, err
	}
	if cs.UsageUser == nil || cs.UsageSystem == nil {
		// Kernels before 4.7 have only cpuacct.stat, in clock ticks.
		kv, err := readKeyed(dir, "cpuacct.stat")
		if err != nil {
			return nil, err
		}
		ticks := func(k string) *uint64 {
			p := keyPtr(kv, k)
			if p != nil {
				*p *= 1e9 / userHZ
			}
			return p
		}
		cs.UsageUser, cs.UsageSystem = ticks("user"), ticks("system")
	}
	return &cs, nil
}

// readThrottling fills the CFS throttling counters of a v1 cpu cgroup.
func readThrottling(dir string, cs *CPUStats) error {
	kv, err := readKeyed(dir, "cpu.stat")
	if err != nil {
		return err
	}
	cs.Periods, cs.ThrottledPeriods, cs.ThrottledTime = keyPtr(kv, "nr_periods"), keyPtr(kv, "nr_throttled"), keyPtr(kv, "throttled_time")
	return nil
}

func readPids(dir string) (*PidsStats, error) {
	cur, err := optional(dir, "pids.current")
	if err != nil {
		return nil, err
	}
	lim, err := optional(dir, "pids.max")
	if err != nil {
		return nil, err
	}
	return &PidsStats{Current: cur, Limit: lim}, nil
}

// readBlkio reads per-device bytes and operations: v2 io.stat, or on v1
// the throttle counters, then BFQ's for the devices those left out (the
// _recursive files include sub-cgroups). Current kernels count a device
// in the throttle files only once a throttle limit was set on it, so an
// unthrottled container's reads show only in BFQ's files, and only where
// BFQ schedules the device: on a v1 device with another scheduler and no
// throttle the kernel keeps no per-cgroup count at all.
func readBlkio(dir string, v2 bool) ([]BlkioDevice, error) {
	devs := map[[2]uint64]*BlkioDevice{}
	get := func(majmin string) *BlkioDevice {
		maj, min, ok := strings.Cut(majmin, ":")
		if !ok {
			return nil
		}
		a, err1 := strconv.ParseUint(maj, 10, 64)
		b, err2 := strconv.ParseUint(min, 10, 64)
		if err1 != nil || err2 != nil {
			return nil
		}
		d := devs[[2]uint64{a, b}]
		if d == nil {
			d = &BlkioDevice{Major: a, Minor: b}
			devs[[2]uint64{a, b}] = d
		}
		return d
	}
	if v2 {
		s, err := readFile(dir, "io.stat")
		if err != nil {
			return nil, fmt.Errorf("read cgroup stats: %w", err)
		}
		for line := range strings.Lines(s) {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			d := get(f[0])
			if d == nil {
				continue
			}
			for _, kv := range f[1:] {
				k, v, _ := strings.Cut(kv, "=")
				n, err := strconv.ParseUint(v, 10, 64)
				if err != nil {
					continue
				}
				switch k {
				case "rbytes":
					d.ReadBytes = &n
				case "wbytes":
					d.WriteBytes = &n
				case "rios":
					d.ReadIOs = &n
				case "wios":
					d.WriteIOs = &n
				}
			}
		}
		return sortedDevices(devs), nil
	}
	for _, f := range []struct {
		name        string
		read, write func(*BlkioDevice) **uint64
	}{
		{"blkio.throttle.io_service_bytes", func(d *BlkioDevice) **uint64 { return &d.ReadBytes }, func(d *BlkioDevice) **uint64 { return &d.WriteBytes }},
		{"blkio.throttle.io_serviced", func(d *BlkioDevice) **uint64 { return &d.ReadIOs }, func(d *BlkioDevice) **uint64 { return &d.WriteIOs }},
		{"blkio.bfq.io_service_bytes", func(d *BlkioDevice) **uint64 { return &d.ReadBytes }, func(d *BlkioDevice) **uint64 { return &d.WriteBytes }},
		{"blkio.bfq.io_serviced", func(d *BlkioDevice) **uint64 { return &d.ReadIOs }, func(d *BlkioDevice) **uint64 { return &d.WriteIOs }},
	} {
		name := f.name + "_recursive"
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			name = f.name
		}
		s, err := readFile(dir, name)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read cgroup stats: %w", err)
		}
		// "8:0 Read 4096" lines, and a last "Total N" line.
		for line := range strings.Lines(s) {
			fs := strings.Fields(line)
			if len(fs) != 3 || (fs[1] != "Read" && fs[1] != "Write") {
				continue
			}
			n, err := strconv.ParseUint(fs[2], 10, 64)
			d := get(fs[0])
			if err != nil || d == nil {
				continue
			}
			p := f.write(d)
			if fs[1] == "Read" {
				p = f.read(d)
			}
			if *p == nil { // the throttle count, read first, wins
				*p = &n
			}
		}
	}
	return sortedDevices(devs), nil
}

func sortedDevices(devs map[[2]uint64]*BlkioDevice) []BlkioDevice {
	out := make([]BlkioDevice, 0, len(devs))
	for _, d := range devs {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b BlkioDevice) int {
		if a.Major != b.Major {
			return int(a.Major) - int(b.Major)
		}
		return int(a.Minor) - int(b.Minor)
	})
	return out
}

// readHugetlb reads usage and limit for every huge page size the
// controller lists (hugetlb.<size>.<file>); the reservation counters
// (hugetlb.<size>.rsvd.*) are left out.
func readHugetlb(dir string, v2 bool) (map[string]HugetlbStats, error) {
	usage, limit, maxUsage := "usage_in_bytes", "limit_in_bytes", "max_usage_in_bytes"
	if v2 {
		usage, limit, maxUsage = "current", "max", ""
	}
	names, err := filepath.Glob(filepath.Join(dir, "hugetlb.*."+usage))
	if err != nil {
		return nil, fmt.Errorf("read cgroup stats: %w", err)
	}
	out := map[string]HugetlbStats{}
	for _, n := range names {
		parts := strings.Split(filepath.Base(n), ".")
		if len(parts) != 3 {
			continue // hugetlb.<size>.rsvd.current
		}
		size := parts[1]
		var h HugetlbStats
		if h.Usage, err = optional(dir, "hugetlb."+size+"."+usage); err != nil {
			return nil, err
		}
		if v2 {
			h.Limit, err = optional(dir, "hugetlb."+size+"."+limit)
		} else {
			h.Limit, err = optionalLimit(dir, "hugetlb."+size+"."+limit)
		}
		if err != nil {
			return nil, err
		}
		if maxUsage != "" {
			if h.MaxUsage, err = optional(dir, "hugetlb."+size+"."+maxUsage); err != nil {
				return nil, err
			}
		}
		out[size] = h
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
