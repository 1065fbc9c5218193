package spec

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// checkResources checks cgroup settings the kernel would refuse, and the
// ones that could name a file outside the container's cgroup.
func checkResources(c *collector, r *specs.LinuxResources) {
	const p = "linux.resources"
	for i, d := range r.Devices {
		dp := at(p+".devices", i)
		switch d.Type {
		case "", "a", "b", "c":
		default:
			c.errorf(dp+".type", "%q is not a, b or c", d.Type)
		}
		if strings.Trim(d.Access, "rwm") != "" {
			c.errorf(dp+".access", "%q is not a combination of r, w and m", d.Access)
		}
	}
	if m := r.Memory; m != nil && m.Limit != nil && m.Swap != nil && *m.Limit > 0 && *m.Swap > 0 && *m.Swap < *m.Limit {
		// swap is the limit of memory and swap together.
		c.errorf(p+".memory.swap", "%d is less than the memory limit %d", *m.Swap, *m.Limit)
	}
	if m := r.Memory; m != nil && m.Swappiness != nil && *m.Swappiness > 100 {
		c.errorf(p+".memory.swappiness", "%d is more than 100", *m.Swappiness)
	}
	if cpu := r.CPU; cpu != nil {
		checkCPUList(c, p+".cpu.cpus", cpu.Cpus)
		checkCPUList(c, p+".cpu.mems", cpu.Mems)
		if cpu.Quota != nil && cpu.Burst != nil && *cpu.Quota > 0 && *cpu.Burst > uint64(*cpu.Quota) {
			c.errorf(p+".cpu.burst", "%d is more than the quota %d", *cpu.Burst, *cpu.Quota)
		}
	}
	for i, h := range r.HugepageLimits {
		if !pageSizePattern(h.Pagesize) {
			c.errorf(at(p+".hugepageLimits", i)+".pageSize", "%q does not match ^[1-9][0-9]*[KMG]B$", h.Pagesize)
		}
	}
	if b := r.BlockIO; b != nil {
		for i, w := range b.WeightDevice {
			if w.Weight == nil && w.LeafWeight == nil {
				c.errorf(at(p+".blockIO.weightDevice", i), "needs weight or leafWeight")
			}
		}
	}
	for k := range r.Unified {
		// Each key is a file of the container's cgroup directory: a
		// path would reach files of other cgroups.
		if k == "" || strings.Contains(k, "/") || k == "." || k == ".." {
			c.errorf(key(p+".unified", k), "%q is not a cgroup file name", k)
		}
	}
}

// pageSizePattern reports whether s matches ^[1-9][0-9]*[KMG]B$.
func pageSizePattern(s string) bool {
	n, ok := strings.CutSuffix(s, "B")
	if !ok || n == "" {
		return false
	}
	switch n[len(n)-1] {
	case 'K', 'M', 'G':
	default:
		return false
	}
	n = n[:len(n)-1]
	return digits(n) && n[0] != '0'
}
