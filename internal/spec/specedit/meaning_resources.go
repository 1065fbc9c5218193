package specedit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// sizeUnits are the suffixes of --memory, binary as docker's: 1k is 1024.
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
	"t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40,
}

// ParseSize parses a byte count: 1048576, 512m, 1.5g, 2GiB (units are
// binary, case-insensitive).
func ParseSize(s string) (int64, error) {
	lower := strings.ToLower(strings.TrimSpace(s))
	i := strings.IndexFunc(lower, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(lower)
	}
	unit, ok := sizeUnits[lower[i:]]
	if !ok || i == 0 {
		return 0, fmt.Errorf("%q is not a size (want bytes or a number with k, m, g or t)", s)
	}
	n, err := strconv.ParseFloat(lower[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size (want bytes or a number with k, m, g or t)", s)
	}
	b := n * unit
	if b >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return int64(b), nil
}

// memoryEdit sets linux.resources.memory.limit; "unlimited" is -1, the
// spec's "no limit".
func memoryEdit(s string) (Edit, error) {
	if s == "" {
		return nil, nil
	}
	limit := int64(-1)
	if s != "unlimited" {
		n, err := ParseSize(s)
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
