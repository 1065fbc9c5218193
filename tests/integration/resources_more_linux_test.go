package integration

import (
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestResourcesMore: memory.useHierarchy, cpu.burst, cpu.idle and a raw
// v2 key reach the container's cgroup files, v1 or v2 (where
// useHierarchy has no file: v2 is always hierarchical).
func TestResourcesMore(t *testing.T) {
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	quota, period, burst, idle, on := int64(50000), uint64(100000), uint64(20000), int64(1), true
	b.spec.Linux.Resources = &specs.LinuxResources{
		Memory:  &specs.LinuxMemory{UseHierarchy: &on},
		CPU:     &specs.LinuxCPU{Quota: &quota, Period: &period, Burst: &burst, Idle: &idle},
		Unified: map[string]string{"cgroup.max.descendants": "5"},
	}
	// cpu.max.burst and cpu.idle came in Linux 5.14 and 5.15, which the
	// v2 guest's 6.1 has; on v1 the burst file tells.
	if _, err := os.Stat("/sys/fs/cgroup/cpu/cpu.cfs_burst_us"); err != nil && !pureV2Host() {
		t.Skip("needs the v1 cpu controller with cpu.cfs_burst_us (Linux 5.14+)")
	}
	id, st := r.started(b, "resmore")
	defer r.remove(id)
	cpu := containerCgroup(t, st.Pid, "cpu")
	want := []struct{ file, want string }{
		{"cpu.cfs_quota_us", "50000"}, {"cpu.cfs_period_us", "100000"},
		{"cpu.cfs_burst_us", "20000"}, {"cpu.idle", "1"},
	}
	if cpu.v2 {
		want = []struct{ file, want string }{{"cpu.max", "50000 100000"}, {"cpu.max.burst", "20000"}, {"cpu.idle", "1"}}
	}
	for _, w := range want {
		if got := cpu.file(t, w.file); got != w.want {
			t.Errorf("%s %s: %s, want %s", cpu.kind(), w.file, got, w.want)
		}
	}
	if mem := containerCgroup(t, st.Pid, "memory"); !mem.v2 {
		if got := mem.file(t, "memory.use_hierarchy"); got != "1" {
			t.Errorf("memory.use_hierarchy: %s, want 1", got)
		}
	}
	if got := containerCgroup(t, st.Pid, "").file(t, "cgroup.max.descendants"); got != "5" {
		t.Errorf("cgroup.max.descendants: %s, want 5", got)
	}
}

// TestResourcesMoreRefused: on this hybrid host hugetlb is only in the
// unified hierarchy, whose root (not the runtime's) does not delegate it;
// net_cls and net_prio are not mounted; raw keys outside the container's
// cgroup or of core files are refused. Each is named, and nothing is left.
func TestResourcesMoreRefused(t *testing.T) {
	r := newRT(t)
	classID := uint32(0x100001)
	for _, c := range []struct {
		name string
		res  specs.LinuxResources
		want []string
		// hybrid: a refusal only on a hybrid host like this one (on a
		// pure v2 host hugetlb and memory are the container's own).
		hybrid bool
	}{
		{"hugetlb", specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}},
			[]string{"linux.resources.hugepageLimits", "hugetlb"}, true},
		{"net-cls", specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: &classID}},
			[]string{"linux.resources.network", "net_cls"}, false},
		{"unified-procs", specs.LinuxResources{Unified: map[string]string{"cgroup.procs": "1"}},
			[]string{"linux.resources.unified", "cgroup.procs"}, false},
		{"unified-dotdot", specs.LinuxResources{Unified: map[string]string{"../cgroup.max.depth": "1"}},
			[]string{"linux.resources.unified", "not a cgroup file name"}, false},
		{"unified-v1-controller", specs.LinuxResources{Unified: map[string]string{"memory.max": "1000000"}},
			[]string{"linux.resources.unified.memory.max", "memory controller is not available"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.hybrid && !hybridHost() {
				t.Skip("a refusal of hybrid hosts, where the v1 hierarchies hold these controllers")
			}
			r.assertResourcesRefused(t, c.name, &c.res, c.want...)
		})
	}
}
