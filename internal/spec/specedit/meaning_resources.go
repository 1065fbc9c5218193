package specedit

import (
	"fmt"
	"github.com/ocikit/ocikit/internal/units"
	"math"
	"strconv"
)

// memoryEdit sets linux.resources.memory.limit; "unlimited" is -1, the
// spec's "no limit".
func memoryEdit(s string) (Edit, error) {
	if s == "" {
		return nil, nil
	}
	limit := int64(-1)
	if s != "unlimited" {
		n, err := units.ParseSize(s)
		if err != nil {
			return nil, fmt.Errorf("--memory: %w", err)
		}
		// The kernel rounds the limit to pages; a limit below one
		// page leaves the init unable to start at all.
		if n < 4096 {
			return nil, fmt.Errorf("--memory %q: below one page (4096 bytes)", s)
		}
		limit = n
	}
	return func(doc []byte) ([]byte, error) {
		return setJSON(doc, "linux.resources.memory.limit", limit)
	}, nil
}

// cpuPeriod is the CFS period --cpus uses, the kernel's default
// (cpu.cfs_period_us), as docker's --cpus does.
const cpuPeriod = 100000

// cpusEdit sets linux.resources.cpu.quota to N periods' worth, so the
// container gets at most N CPUs' time.
func cpusEdit(s string) (Edit, error) {
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return nil, fmt.Errorf("--cpus %q: not a number", s)
	}
	quota := int64(math.Round(n * cpuPeriod))
	// The kernel refuses a quota below 1 ms (cfs_quota_us >= 1000).
	if quota < 1000 {
		return nil, fmt.Errorf("--cpus %q: below 0.01, the kernel's smallest quota (1 ms per 100 ms)", s)
	}
	if n > 1<<20 {
		return nil, fmt.Errorf("--cpus %q: too large", s)
	}
	return func(doc []byte) ([]byte, error) {
		doc, err := setJSON(doc, "linux.resources.cpu.quota", quota)
		if err != nil {
			return nil, err
		}
		return setJSON(doc, "linux.resources.cpu.period", cpuPeriod)
	}, nil
}

// pidsEdit sets linux.resources.pids.limit; "unlimited" is -1 ("max").
func pidsEdit(s string) (Edit, error) {
	if s == "" {
		return nil, nil
	}
	limit := int64(-1)
	if s != "unlimited" {
		n, err := strconv.ParseInt(s, 10, 64)
		// 0 would be read as "no limit" by some runtimes and as "no
		// process at all" by the kernel; refuse the ambiguity.
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("--pids-limit %q: want a positive number or \"unlimited\"", s)
		}
		limit = n
	}
	return func(doc []byte) ([]byte, error) {
		return setJSON(doc, "linux.resources.pids.limit", limit)
	}, nil
}
