package cgroups

import (
	"maps"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// v1More is v1Defaults with the files of the fields this file tests:
// hugetlb, net_cls and net_prio, memory.use_hierarchy, cpu burst and idle.
func v1More() map[string]map[string]string {
	l := map[string]map[string]string{}
	for k, v := range v1Defaults {
		l[k] = maps.Clone(v)
	}
	l["memory"]["memory.use_hierarchy"] = "1"
	l["cpu,cpuacct"]["cpu.cfs_burst_us"] = "0"
	l["cpu,cpuacct"]["cpu.idle"] = "0"
	l["hugetlb"] = map[string]string{
		"hugetlb.2MB.limit_in_bytes": "9223372036854771712", "hugetlb.2MB.rsvd.limit_in_bytes": "9223372036854771712",
		"hugetlb.1GB.limit_in_bytes": "9223372036854771712", // no rsvd file: an older kernel's
	}
	l["net_cls,net_prio"] = map[string]string{"net_cls.classid": "0", "net_prio.ifpriomap": "lo 0"}
	return l
}

func moreSpec() *specs.LinuxResources {
	return &specs.LinuxResources{
		Memory: &specs.LinuxMemory{UseHierarchy: ptr(true)},
		CPU:    &specs.LinuxCPU{Shares: ptr[uint64](512), Quota: ptr[int64](50000), Burst: ptr[uint64](20000), Idle: ptr[int64](1)},
		HugepageLimits: []specs.LinuxHugepageLimit{
			{Pagesize: "2MB", Limit: 4 * 2 * mib},
			{Pagesize: "1GB", Limit: 0},
		},
		Network: &specs.LinuxNetwork{ClassID: ptr[uint32](0x100001), Priorities: []specs.LinuxInterfacePriority{{Name: "eth0", Priority: 5}, {Name: "lo", Priority: 1}}},
	}
}

func TestSetMoreV1(t *testing.T) {
	m, f := fakeTree(t, v1More())
	if err := m.set(moreSpec(), f); err != nil {
		t.Fatal(err)
	}
	wantFiles(t, f.root, map[string]string{
		"memory/p/c/memory.use_hierarchy":             "1",
		"cpu,cpuacct/p/c/cpu.shares":                  "512",
		"cpu,cpuacct/p/c/cpu.cfs_quota_us":            "50000",
		"cpu,cpuacct/p/c/cpu.cfs_burst_us":            "20000",
		"cpu,cpuacct/p/c/cpu.idle":                    "1",
		"hugetlb/p/c/hugetlb.2MB.limit_in_bytes":      "8388608",
		"hugetlb/p/c/hugetlb.2MB.rsvd.limit_in_bytes": "8388608",
		"hugetlb/p/c/hugetlb.1GB.limit_in_bytes":      "0",
		"net_cls,net_prio/p/c/net_cls.classid":        "1048577",
		"net_cls,net_prio/p/c/net_prio.ifpriomap":     "lo 1", // the fake keeps the last write
	})
	// Order: the shares before idle (an idle group refuses a weight), the
	// burst before the quota (lowering both), each interface on its own.
	got := strings.Join(f.writes(), " ")
	for _, want := range []string{
		"cpu.shares=512 cpu,cpuacct/p/c/cpu.cfs_burst_us=20000 cpu,cpuacct/p/c/cpu.cfs_quota_us=50000 cpu,cpuacct/p/c/cpu.idle=1",
		"net_prio.ifpriomap=eth0 5 net_cls,net_prio/p/c/net_prio.ifpriomap=lo 1",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("writes %s\nwant them to contain %s", got, want)
		}
	}
}

// TestSetBurstAfterQuota: a burst above the old quota is refused by the
// kernel until the new quota is in, and is then written again.
func TestSetBurstAfterQuota(t *testing.T) {
	m, f := fakeTree(t, v1More())
	put(t, f.root, "cpu,cpuacct/p/c/cpu.cfs_quota_us", "10000")
	f.refuse = func(dir, name, value string) error {
		if name == "cpu.cfs_burst_us" {
			if q, _ := readFile(dir, "cpu.cfs_quota_us"); q == "10000" {
				return unix.EINVAL
			}
		}
		return nil
	}
	r := &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: ptr[int64](80000), Burst: ptr[uint64](40000)}}
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	want := []string{"cpu,cpuacct/p/c/cpu.cfs_burst_us=40000!", "cpu,cpuacct/p/c/cpu.cfs_quota_us=80000", "cpu,cpuacct/p/c/cpu.cfs_burst_us=40000"}
	if strings.Join(f.attempts, " ") != strings.Join(want, " ") {
		t.Errorf("attempts %q, want %q", f.attempts, want)
	}
}

func TestSetMoreV2(t *testing.T) {
	m, f := fakeV2(t, "cpuset cpu io memory hugetlb pids")
	for name, v := range map[string]string{
		"cpu.max.burst": "0", "cpu.idle": "0", "hugetlb.2MB.max": "max", "hugetlb.2MB.rsvd.max": "max",
		"hugetlb.1GB.max": "max", "hugetlb.1GB.rsvd.max": "max", "memory.high": "max", "cgroup.max.descendants": "max",
	} {
		put(t, f.root, "unified/p/c/"+name, v)
	}
	r := moreSpec()
	r.Network = nil
	r.Memory.Limit = ptr[int64](64 * mib)
	r.Unified = map[string]string{"memory.high": "50000000", "cgroup.max.descendants": "10", "memory.max": "70000000"}
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	wantFiles(t, f.root, map[string]string{
		"unified/p/c/cpu.weight":             "20",
		"unified/p/c/cpu.max":                "50000",
		"unified/p/c/cpu.max.burst":          "20000",
		"unified/p/c/cpu.idle":               "1",
		"unified/p/c/hugetlb.2MB.max":        "8388608",
		"unified/p/c/hugetlb.2MB.rsvd.max":   "8388608",
		"unified/p/c/hugetlb.1GB.max":        "0",
		"unified/p/c/hugetlb.1GB.rsvd.max":   "0",
		"unified/p/c/memory.high":            "50000000",
		"unified/p/c/cgroup.max.descendants": "10",
		// The raw key, written last, overrides the field's value.
		"unified/p/c/memory.max":           "70000000",
		"unified/p/cgroup.subtree_control": "memory cpu hugetlb",
	})
	w := f.writes()
	if last := w[len(w)-1]; last != "unified/p/c/memory.max=70000000" {
		t.Errorf("last write %s, want the unified memory.max", last)
	}
}

// TestSetHybridHugetlb: on a hybrid host whose v1 hierarchies lack
// hugetlb (this VM's), the limits go to the unified cgroup.
func TestSetHybridHugetlb(t *testing.T) {
	l := v1More()
	delete(l, "hugetlb")
	l["unified"] = map[string]string{"cgroup.subtree_control": "", "hugetlb.2MB.max": "max", "hugetlb.2MB.rsvd.max": "max"}
	m, f := fakeTree(t, l)
	put(t, f.root, "unified/p/cgroup.controllers", "hugetlb")
	put(t, f.root, "unified/p/cgroup.subtree_control", "")
	r := &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 2 * mib}}}
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	wantFiles(t, f.root, map[string]string{
		"unified/p/c/hugetlb.2MB.max": "2097152", "unified/p/c/hugetlb.2MB.rsvd.max": "2097152",
		"unified/p/cgroup.subtree_control": "hugetlb",
	})
}

// TestSetMoreRefused: values that cannot be applied are refused, naming
// the field, before anything is written (the pids limit beside them
// included).
func TestSetMoreRefused(t *testing.T) {
	v1, v2 := false, true
	for _, tc := range []struct {
		v2   bool
		r    *specs.LinuxResources
		want string
	}{
		// Files this kernel (the fake v1 tree) lacks.
		{v1, &specs.LinuxResources{CPU: &specs.LinuxCPU{Idle: ptr[int64](1)}}, "linux.resources.cpu.idle: this kernel has no cpu.idle in cgroup"},
		{v1, &specs.LinuxResources{CPU: &specs.LinuxCPU{Burst: ptr[uint64](1000)}}, "linux.resources.cpu.burst: this kernel has no cpu.cfs_burst_us"},
		{v1, &specs.LinuxResources{Memory: &specs.LinuxMemory{UseHierarchy: ptr(true)}}, "linux.resources.memory.useHierarchy: this kernel has no memory.use_hierarchy"},
		{v1, &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: mib}}}, "linux.resources.hugepageLimits: no cgroup hierarchy of the container has the hugetlb controller"},
		{v1, &specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: ptr[uint32](1)}}, "linux.resources.network: no cgroup hierarchy of the container has the net_cls controller"},
		{v1, &specs.LinuxResources{Unified: map[string]string{"io.weight": "100"}}, "linux.resources.unified: needs cgroup v2"},
		// Bad values.
		{v1, &specs.LinuxResources{CPU: &specs.LinuxCPU{Idle: ptr[int64](2)}}, "linux.resources.cpu.idle: 2: want 0 or 1"},
		{v2, &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "../2MB", Limit: 1}}}, `linux.resources.hugepageLimits.0.pageSize: "../2MB"`},
		{v2, &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "3MB", Limit: 1}}}, "linux.resources.hugepageLimits.0: this kernel has no hugetlb.3MB.max"},
		{v2, &specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: ptr[uint32](1)}}, "linux.resources.network.classID: needs the cgroup v1 net_cls controller"},
		{v2, &specs.LinuxResources{Network: &specs.LinuxNetwork{Priorities: []specs.LinuxInterfacePriority{{Name: "lo", Priority: 1}}}}, "linux.resources.network.priorities: needs the cgroup v1 net_prio"},
		{v2, &specs.LinuxResources{CPU: &specs.LinuxCPU{Idle: ptr[int64](1)}}, "linux.resources.cpu.idle: this kernel has no cpu.idle"},
		// Unified keys.
		{v2, &specs.LinuxResources{Unified: map[string]string{"../memory.max": "1"}}, `key "../memory.max": not a file name`},
		{v2, &specs.LinuxResources{Unified: map[string]string{"memory.max/x": "1"}}, `key "memory.max/x": not a file name`},
		{v2, &specs.LinuxResources{Unified: map[string]string{"memory": "1"}}, `key "memory": not a cgroup v2 file name`},
		{v2, &specs.LinuxResources{Unified: map[string]string{"cgroup.procs": "1"}}, `key "cgroup.procs": a core file the runtime manages`},
		{v2, &specs.LinuxResources{Unified: map[string]string{"cgroup.kill": "1"}}, `key "cgroup.kill": a core file`},
		{v2, &specs.LinuxResources{Unified: map[string]string{"cgroup.subtree_control": "+io"}}, `key "cgroup.subtree_control": a core file`},
		{v2, &specs.LinuxResources{Unified: map[string]string{"memory.nosuch": "1"}}, "linux.resources.unified.memory.nosuch: no such file in cgroup"},
		{v2, &specs.LinuxResources{Unified: map[string]string{"rdma.max": "x"}}, "linux.resources.unified.rdma.max: "}, // no rdma controller here: explainMissing
	} {
		var m *Manager
		var f *fakeFiles
		if tc.v2 {
			m, f = fakeV2(t, "cpuset cpu io memory hugetlb pids")
		} else {
			m, f = fakeTree(t, v1Defaults)
		}
		tc.r.Pids = &specs.LinuxPids{Limit: ptr[int64](5)}
		err := m.set(tc.r, f)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.want, err)
		}
		for _, a := range f.attempts {
			if !strings.Contains(a, "cgroup.subtree_control") {
				t.Errorf("%s: wrote %s", tc.want, a)
			}
		}
	}
}

// TestSetUseHierarchyV2: cgroup v2 is always hierarchical: nothing to
// write, nothing refused.
func TestSetUseHierarchyV2(t *testing.T) {
	m, f := fakeV2(t, "memory")
	if err := m.set(&specs.LinuxResources{Memory: &specs.LinuxMemory{UseHierarchy: ptr(true)}}, f); err != nil {
		t.Fatal(err)
	}
	if len(f.attempts) != 0 {
		t.Errorf("wrote %q", f.attempts)
	}
}

// TestSetUnifiedNotOwned: raw keys go only into a cgroup the runtime made.
func TestSetUnifiedNotOwned(t *testing.T) {
	m, f := fakeV2(t, "memory")
	m.owned = nil
	err := m.set(&specs.LinuxResources{Unified: map[string]string{"memory.high": "1"}}, f)
	if err == nil || !strings.Contains(err.Error(), "was not created by this runtime") {
		t.Errorf("err = %v", err)
	}
	if len(f.attempts) != 0 {
		t.Errorf("wrote %q", f.attempts)
	}
}
