package cgroups

import (
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The plan functions turn one controller's part of linux.resources into
// the cgroup writes of one version (v1 or v2), checking every value first.
// As in runc and the engines, a zero limit means "not set" (an engine
// writes "limit": 0 for "no limit"; a real zero memory limit would kill
// the container at once); -1 means unlimited. The pids limit is the
// exception: the spec makes 0 a real limit.

const unlimitedV2 = "max"

// one is a step of a single write.
func one(field, file, value string) step {
	return step{write: write{field: field, file: file, value: value}}
}

// planMemory: limit, reservation, swap, swappiness, disableOOMKiller,
// and on v1 kernelTCP. kernel is deprecated and ignored (Set logs it).
func planMemory(r *specs.LinuxResources, v2 bool) ([]step, error) {
	mem := r.Memory
	if mem == nil {
		return nil, nil
	}
	limit, err := memValue("limit", mem.Limit)
	if err != nil {
		return nil, err
	}
	reservation, err := memValue("reservation", mem.Reservation)
	if err != nil {
		return nil, err
	}
	swap, err := memValue("swap", mem.Swap)
	if err != nil {
		return nil, err
	}
	// swap is the memory+swap total: it needs a memory limit to add to
	// and cannot be below it.
	if swap > 0 && limit <= 0 {
		return nil, fmt.Errorf("linux.resources.memory.swap: %d needs a memory limit (swap is the memory+swap total)", swap)
	}
	if swap > 0 && swap < limit {
		return nil, fmt.Errorf("linux.resources.memory.swap: %d is below linux.resources.memory.limit %d, but is the memory+swap total", swap, limit)
	}
	if v2 {
		return planMemoryV2(mem, limit, reservation, swap)
	}

	steps := planMemoryV1Hierarchy(mem)
	lw := write{field: "linux.resources.memory.limit", file: "memory.limit_in_bytes", value: strconv.FormatInt(limit, 10)}
	sw := write{field: "linux.resources.memory.swap", file: "memory.memsw.limit_in_bytes", value: strconv.FormatInt(swap, 10)}
	if limit < 0 && swap == 0 {
		// Unlimited memory with no word on swap: lift an old memory+swap
		// limit too, or the kernel would refuse a limit above it. Without
		// swap accounting there is no such file and nothing to lift.
		swap, sw.value, sw.optional = -1, "-1", true
	}
	switch {
	case limit != 0 && swap != 0:
		steps = append(steps, step{write: lw, then: &sw})
	case limit != 0:
		steps = append(steps, step{write: lw})
	case swap != 0:
		steps = append(steps, step{write: sw})
	}
	if reservation != 0 {
		steps = append(steps, one("linux.resources.memory.reservation", "memory.soft_limit_in_bytes", strconv.FormatInt(reservation, 10)))
	}
	if s := mem.Swappiness; s != nil {
		if *s > 100 {
			return nil, fmt.Errorf("linux.resources.memory.swappiness: %d is above 100", *s)
		}
		steps = append(steps, one("linux.resources.memory.swappiness", "memory.swappiness", strconv.FormatUint(*s, 10)))
	}
	if d := mem.DisableOOMKiller; d != nil && *d {
		steps = append(steps, one("linux.resources.memory.disableOOMKiller", "memory.oom_control", "1"))
	}
	// kernelTCP, deprecated by the spec, still limits the socket buffers
	// on v1 where the kernel has the file (crun writes it too); a kernel
	// built without it (or v2, see planMemoryV2) gets nothing, and Set
	// logs that.
	tcp, err := memValue("kernelTCP", mem.KernelTCP) //nolint:staticcheck // deprecated, still applied on v1
	if err != nil {
		return nil, err
	}
	if tcp != 0 {
		s := one("linux.resources.memory.kernelTCP", "memory.kmem.tcp.limit_in_bytes", strconv.FormatInt(tcp, 10))
		s.optional = true
		steps = append(steps, s)
	}
	// checkBeforeUpdate needs nothing on v1: the kernel itself refuses a
	// limit below the current usage (EBUSY).
	return steps, nil
}

func planMemoryV2(mem *specs.LinuxMemory, limit, reservation, swap int64) ([]step, error) {
	if mem.Swappiness != nil {
		return nil, fmt.Errorf("linux.resources.memory.swappiness: not supported on cgroup v2")
	}
	if d := mem.DisableOOMKiller; d != nil && *d {
		return nil, fmt.Errorf("linux.resources.memory.disableOOMKiller: not supported on cgroup v2")
	}
	if c := mem.CheckBeforeUpdate; c != nil && *c {
		return nil, fmt.Errorf("linux.resources.memory.checkBeforeUpdate: not supported yet on cgroup v2")
	}
	var steps []step
	if limit != 0 {
		steps = append(steps, one("linux.resources.memory.limit", "memory.max", v2Value(limit)))
	}
	// memory.swap.max counts swap alone, the spec's swap memory+swap:
	// v2 gets the difference. An unlimited memory limit with no swap
	// value makes swap unlimited too, as unlimited memory+swap does on v1.
	switch {
	case swap > 0:
		steps = append(steps, one("linux.resources.memory.swap", "memory.swap.max", strconv.FormatInt(swap-limit, 10)))
	case swap < 0:
		steps = append(steps, one("linux.resources.memory.swap", "memory.swap.max", unlimitedV2))
	case limit < 0:
		// Only where swap is accounted (the file exists).
		s := one("linux.resources.memory.swap", "memory.swap.max", unlimitedV2)
		s.optional = true
		steps = append(steps, s)
	}
	if reservation != 0 {
		steps = append(steps, one("linux.resources.memory.reservation", "memory.low", v2Value(reservation)))
	}
	return steps, nil
}

// memValue reads a memory value: 0 when unset, -1 for unlimited, else a
// positive number of bytes.
func memValue(field string, p *int64) (int64, error) {
	if p == nil {
		return 0, nil
	}
	if *p < -1 {
		return 0, fmt.Errorf("linux.resources.memory.%s: %d: want -1 (unlimited) or a number of bytes", field, *p)
	}
	return *p, nil
}

// v2Value spells a limit for a v2 file: "max" for a negative one.
func v2Value(v int64) string {
	if v < 0 {
		return unlimitedV2
	}
	return strconv.FormatInt(v, 10)
}

// planPids: limit, the same file on v1 and v2. A negative limit is "max";
// 0 is a real limit (no new processes), as the spec asks.
func planPids(r *specs.LinuxResources, _ bool) ([]step, error) {
	if r.Pids == nil || r.Pids.Limit == nil {
		return nil, nil
	}
	return []step{one("linux.resources.pids.limit", "pids.max", v2Value(*r.Pids.Limit))}, nil
}

// planCPU: shares, quota and period, burst, realtimeRuntime and
// realtimePeriod, idle.
func planCPU(r *specs.LinuxResources, v2 bool) ([]step, error) {
	cpu := r.CPU
	if cpu == nil {
		return nil, nil
	}
	idle, err := idleStep(cpu)
	if err != nil {
		return nil, err
	}
	steps, err := planCPUBase(cpu, v2)
	if err != nil {
		return nil, err
	}
	// The burst goes before the quota (see burstStep), which planCPUBase
	// writes after the shares.
	at := 0
	if len(steps) > 0 && steps[0].field == "linux.resources.cpu.shares" {
		at = 1
	}
	steps = append(steps[:at], append(burstStep(cpu, v2), steps[at:]...)...)
	return append(steps, idle...), nil
}

func planCPUBase(cpu *specs.LinuxCPU, v2 bool) ([]step, error) {
	var shares, period, rtPeriod uint64
	var quota, rtRuntime int64
	for _, v := range []struct {
		dst *uint64
		src *uint64
	}{{&shares, cpu.Shares}, {&period, cpu.Period}, {&rtPeriod, cpu.RealtimePeriod}} {
		if v.src != nil {
			*v.dst = *v.src
		}
	}
	if cpu.Quota != nil {
		quota = *cpu.Quota
	}
	if cpu.RealtimeRuntime != nil {
		rtRuntime = *cpu.RealtimeRuntime
	}
	if v2 {
		return planCPUV2(shares, quota, period, rtRuntime, rtPeriod)
	}

	var steps []step
	if shares != 0 {
		steps = append(steps, one("linux.resources.cpu.shares", "cpu.shares", strconv.FormatUint(shares, 10)))
	}
	// Any negative quota is unlimited; the kernel spells it -1.
	pw := write{field: "linux.resources.cpu.period", file: "cpu.cfs_period_us", value: strconv.FormatUint(period, 10)}
	qw := write{field: "linux.resources.cpu.quota", file: "cpu.cfs_quota_us", value: strconv.FormatInt(max(quota, -1), 10)}
	steps = appendPair(steps, pw, period != 0, qw, quota != 0)
	rpw := write{field: "linux.resources.cpu.realtimePeriod", file: "cpu.rt_period_us", value: strconv.FormatUint(rtPeriod, 10)}
	rrw := write{field: "linux.resources.cpu.realtimeRuntime", file: "cpu.rt_runtime_us", value: strconv.FormatInt(max(rtRuntime, -1), 10)}
	steps = appendPair(steps, rpw, rtPeriod != 0, rrw, rtRuntime != 0)
	return steps, nil
}

// appendPair appends the writes of a and b that are wanted, as one step
// when both are (a first, or b first if the kernel refuses a).
func appendPair(steps []step, a write, wantA bool, b write, wantB bool) []step {
	switch {
	case wantA && wantB:
		return append(steps, step{write: a, then: &b})
	case wantA:
		return append(steps, step{write: a})
	case wantB:
		return append(steps, step{write: b})
	}
	return steps
}

func planCPUV2(shares uint64, quota int64, period uint64, rtRuntime int64, rtPeriod uint64) ([]step, error) {
	if rtRuntime != 0 {
		return nil, fmt.Errorf("linux.resources.cpu.realtimeRuntime: not supported on cgroup v2")
	}
	if rtPeriod != 0 {
		return nil, fmt.Errorf("linux.resources.cpu.realtimePeriod: not supported on cgroup v2")
	}
	var steps []step
	if shares != 0 {
		steps = append(steps, one("linux.resources.cpu.shares", "cpu.weight", strconv.FormatUint(sharesToWeight(shares), 10)))
	}
	// cpu.max holds "QUOTA PERIOD"; a quota alone keeps the period, and a
	// period alone comes with an unlimited quota.
	var cpuMax string
	switch {
	case quota != 0 && period != 0:
		cpuMax = v2Value(quota) + " " + strconv.FormatUint(period, 10)
	case quota != 0:
		cpuMax = v2Value(quota)
	case period != 0:
		cpuMax = unlimitedV2 + " " + strconv.FormatUint(period, 10)
	}
	if cpuMax != "" {
		field := "linux.resources.cpu.quota"
		if quota == 0 {
			field = "linux.resources.cpu.period"
		}
		steps = append(steps, one(field, "cpu.max", cpuMax))
	}
	return steps, nil
}

// sharesToWeight maps v1 cpu.shares [2, 262144] linearly onto v2
// cpu.weight [1, 10000], the conversion runc documents: the default 1024
// shares become weight 39, not the v2 default 100.
func sharesToWeight(shares uint64) uint64 {
	shares = min(max(shares, 2), 262144)
	return 1 + ((shares-2)*9999)/262142
}

// planCpuset: cpus and mems, the same files on v1 and v2.
func planCpuset(r *specs.LinuxResources, _ bool) ([]step, error) {
	cpu := r.CPU
	if cpu == nil {
		return nil, nil
	}
	var steps []step
	if cpu.Cpus != "" {
		steps = append(steps, one("linux.resources.cpu.cpus", "cpuset.cpus", cpu.Cpus))
	}
	if cpu.Mems != "" {
		steps = append(steps, one("linux.resources.cpu.mems", "cpuset.mems", cpu.Mems))
	}
	return steps, nil
}
