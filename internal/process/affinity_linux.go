package process

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ParseCPUList parses a CPU list as the kernel prints one in
// /sys/devices/system/cpu/online and the spec's execCPUAffinity takes it:
// numbers and inclusive ranges separated by commas ("0-3,7"). Spaces
// around items are allowed; an empty list, a reversed range or a CPU
// beyond what a CPUSet holds is an error.
func ParseCPUList(list string) (unix.CPUSet, error) {
	var set unix.CPUSet
	set.Zero()
	max := len(set) * 64
	if strings.TrimSpace(list) == "" {
		return set, fmt.Errorf("cpu list %q: empty", list)
	}
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		lo, hi, isRange := strings.Cut(item, "-")
		first, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil || first < 0 {
			return set, fmt.Errorf("cpu list %q: bad item %q", list, item)
		}
		last := first
		if isRange {
			last, err = strconv.Atoi(strings.TrimSpace(hi))
			if err != nil || last < first {
				return set, fmt.Errorf("cpu list %q: bad range %q", list, item)
			}
		}
		if last >= max {
			return set, fmt.Errorf("cpu list %q: cpu %d beyond %d", list, last, max-1)
		}
		for cpu := first; cpu <= last; cpu++ {
			set.Set(cpu)
		}
	}
	return set, nil
}

// SetAffinity binds the thread tid (0: the calling thread) to the CPUs
// of list. field names the spec field the list comes from, for errors.
// The kernel answers EINVAL when none of the CPUs is online and allowed
// by the thread's cpuset.
func SetAffinity(tid int, list, field string) error {
	set, err := ParseCPUList(list)
	if err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	if err := unix.SchedSetaffinity(tid, &set); err != nil {
		return fmt.Errorf("%s %q: sched_setaffinity: %w", field, list, err)
	}
	return nil
}
