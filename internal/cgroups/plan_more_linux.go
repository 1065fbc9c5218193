package cgroups

import (
	"fmt"
	"regexp"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// pagesizeRE is a hugetlb page size as the kernel names its files
// (hugetlb.2MB.max): a number and a binary unit. Anything else, a "/" or
// ".." above all, would name another file.
var pagesizeRE = regexp.MustCompile(`^[1-9][0-9]*[KMGT]B$`)

// planHugetlb: one limit per page size, and the same limit on the
// reservations (the rsvd files, Linux 5.7+), as runc does, so that a
// mapping cannot reserve beyond it either. A page size this kernel has no
// file for is refused before anything is written (mustExist); the rsvd
// file is written where it exists. Limit 0 is a real limit (no huge pages).
func planHugetlb(r *specs.LinuxResources, v2 bool) ([]step, error) {
	var steps []step
	for i, h := range r.HugepageLimits {
		field := fmt.Sprintf("linux.resources.hugepageLimits.%d", i)
		if !pagesizeRE.MatchString(h.Pagesize) {
			return nil, fmt.Errorf("%s.pageSize: %q: want a size such as 2MB or 1GB", field, h.Pagesize)
		}
		limit, rsvd := "hugetlb."+h.Pagesize+".limit_in_bytes", "hugetlb."+h.Pagesize+".rsvd.limit_in_bytes"
		if v2 {
			limit, rsvd = "hugetlb."+h.Pagesize+".max", "hugetlb."+h.Pagesize+".rsvd.max"
		}
		v := strconv.FormatUint(h.Limit, 10)
		steps = append(steps,
			step{write: write{field: field, file: limit, value: v, mustExist: true}},
			step{write: write{field: field, file: rsvd, value: v, optional: true}})
	}
	return steps, nil
}

// planNetClass: network.classID, the v1 net_cls controller's tag on the
// container's packets. cgroup v2 has no such controller (tc and iptables
// match the cgroup path instead), so a v2 route is refused, not ignored.
func planNetClass(r *specs.LinuxResources, v2 bool) ([]step, error) {
	if r.Network == nil || r.Network.ClassID == nil {
		return nil, nil
	}
	if v2 {
		return nil, noV1Network("classID", "net_cls")
	}
	return []step{{write: write{field: "linux.resources.network.classID", file: "net_cls.classid",
		value: strconv.FormatUint(uint64(*r.Network.ClassID), 10), mustExist: true}}}, nil
}

// planNetPrio: network.priorities, one "IFNAME PRIO" line per interface in
// the v1 net_prio controller's net_prio.ifpriomap.
func planNetPrio(r *specs.LinuxResources, v2 bool) ([]step, error) {
	if r.Network == nil || len(r.Network.Priorities) == 0 {
		return nil, nil
	}
	if v2 {
		return nil, noV1Network("priorities", "net_prio")
	}
	var steps []step
	for i, p := range r.Network.Priorities {
		field := fmt.Sprintf("linux.resources.network.priorities.%d", i)
		// One write is one line for the kernel: a name with a blank or a
		// newline would smuggle in another interface's entry.
		if !ifnameOK(p.Name) {
			return nil, fmt.Errorf("%s.name: %q is not an interface name", field, p.Name)
		}
		steps = append(steps, step{write: write{field: field, file: "net_prio.ifpriomap",
			value: p.Name + " " + strconv.FormatUint(uint64(p.Priority), 10), mustExist: true}})
	}
	return steps, nil
}

func noV1Network(field, ctrl string) error {
	return fmt.Errorf("linux.resources.network.%s: needs the cgroup v1 %s controller, which no hierarchy of the container has (cgroup v2 has no equivalent)", field, ctrl)
}

// ifnameOK reports whether s can be a Linux interface name: 1 to 15
// bytes, no blank, "/" or control character.
func ifnameOK(s string) bool {
	if s == "" || len(s) > 15 || s == "." || s == ".." {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c == '/' || c == ':' || c == 0x7f {
			return false
		}
	}
	return true
}

// planMemoryV1Hierarchy: memory.useHierarchy on v1 (memory.use_hierarchy;
// Linux 5.16+ always has it on and refuses turning it off). cgroup v2 is
// always hierarchical: nothing to write. false, like every zero value,
// means "not set".
func planMemoryV1Hierarchy(mem *specs.LinuxMemory) []step {
	if mem.UseHierarchy == nil || !*mem.UseHierarchy {
		return nil
	}
	s := one("linux.resources.memory.useHierarchy", "memory.use_hierarchy", "1")
	s.mustExist = true
	return []step{s}
}

// burstStep: cpu.burst, in v1 cpu.cfs_burst_us or v2 cpu.max.burst
// (Linux 5.14+). The kernel refuses a burst above the quota, and a quota
// below the burst, so the burst goes before the quota (right when
// lowering both) and, when refused, again after the group's other writes
// (raising both). 0, like every zero value, means "not set".
func burstStep(cpu *specs.LinuxCPU, v2 bool) []step {
	if cpu.Burst == nil || *cpu.Burst == 0 {
		return nil
	}
	file := "cpu.cfs_burst_us"
	if v2 {
		file = "cpu.max.burst"
	}
	s := one("linux.resources.cpu.burst", file, strconv.FormatUint(*cpu.Burst, 10))
	s.mustExist = true
	s.retryLast = true
	return []step{s}
}

// idleStep: cpu.idle 1, in the cpu.idle file of v2 and of v1 (Linux
// 5.15+), which makes the group SCHED_IDLE. The kernel refuses a weight
// for an idle group, so planCPU puts it after the shares. 0 means "not
// set".
func idleStep(cpu *specs.LinuxCPU) ([]step, error) {
	if cpu.Idle == nil || *cpu.Idle == 0 {
		return nil, nil
	}
	if *cpu.Idle != 1 {
		return nil, fmt.Errorf("linux.resources.cpu.idle: %d: want 0 or 1", *cpu.Idle)
	}
	s := one("linux.resources.cpu.idle", "cpu.idle", "1")
	s.mustExist = true
	return []step{s}, nil
}
