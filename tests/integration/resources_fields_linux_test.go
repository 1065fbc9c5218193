package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestResourcesFields: every memory, cpu, cpuset and pids field the host
// can apply reaches the container's cgroup file, v1 or v2, converted
// where v2 differs (swap alone rather than memory+swap, cpu.weight from
// shares, "QUOTA PERIOD" in cpu.max). The v1-only fields (swappiness,
// disableOOMKiller, the realtime ones) are set only on a v1 host; on v2
// TestResourcesV2Refused checks they are refused.
func TestResourcesFields(t *testing.T) {
	r := newRT(t)
	v2 := pureV2Host()
	limit, reservation, swap := int64(64<<20), int64(32<<20), int64(96<<20)
	shares, quota, period := uint64(512), int64(25000), uint64(50000)
	pids := int64(30)
	res := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: &limit, Reservation: &reservation},
		CPU:    &specs.LinuxCPU{Shares: &shares, Quota: &quota, Period: &period, Cpus: "0", Mems: "0"},
		Pids:   &specs.LinuxPids{Limit: &pids},
	}
	rtFiles := hostHasV1File("cpu", "cpu.rt_runtime_us")
	swappiness, rtRuntime, rtPeriod, off := uint64(30), int64(10000), uint64(100000), true
	if !v2 {
		res.Memory.Swappiness = &swappiness
		res.Memory.DisableOOMKiller = &off
		// checkBeforeUpdate needs no file on v1 (the kernel refuses a
		// limit below the usage itself): it is accepted.
		res.Memory.CheckBeforeUpdate = &off
		if rtFiles {
			res.CPU.RealtimeRuntime, res.CPU.RealtimePeriod = &rtRuntime, &rtPeriod
		}
	}
	b := r.bundle("sleep", "1000")
	b.spec.Linux.Resources = res
	id, st := r.started(b, "fields")
	defer r.remove(id)

	type want struct{ ctrl, v1, v2, value string }
	wants := []want{
		{"memory", "memory.limit_in_bytes", "memory.max", strconv.FormatInt(limit, 10)},
		{"memory", "memory.soft_limit_in_bytes", "memory.low", strconv.FormatInt(reservation, 10)},
		{"cpu", "cpu.cfs_quota_us", "cpu.max", "25000"},
		{"cpu", "cpu.cfs_period_us", "cpu.max", "50000"},
		{"cpuset", "cpuset.cpus", "cpuset.cpus", "0"},
		{"cpuset", "cpuset.mems", "cpuset.mems", "0"},
		{"pids", "pids.max", "pids.max", "30"},
	}
	if v2 {
		wants[2].value, wants[3].value = "25000 50000", "25000 50000"
	}
	// Swap can be limited only where it is accounted, which shows in the
	// container's own cgroup: then the swap limit is set by oci-update
	// (the same resources, through the same Set).
	if mem := containerCgroup(t, st.Pid, "memory"); mem.has("memory.memsw.limit_in_bytes") || mem.has("memory.swap.max") {
		r.must("oci-update", "--memory", strconv.FormatInt(limit, 10), "--memory-swap", strconv.FormatInt(swap, 10), id)
		// v1 holds the memory+swap total, v2 the swap alone.
		v := strconv.FormatInt(swap, 10)
		if mem.v2 {
			v = strconv.FormatInt(swap-limit, 10)
		}
		wants = append(wants, want{"memory", "memory.memsw.limit_in_bytes", "memory.swap.max", v})
	} else {
		t.Log("no swap accounting on this host: linux.resources.memory.swap not checked")
	}
	if !v2 {
		wants = append(wants, want{"memory", "memory.swappiness", "", "30"})
		if rtFiles {
			wants = append(wants, want{"cpu", "cpu.rt_runtime_us", "", "10000"}, want{"cpu", "cpu.rt_period_us", "", "100000"})
		} else {
			t.Log("no realtime group scheduling (cpu.rt_runtime_us) here: the realtime fields not checked")
		}
	}
	for _, w := range wants {
		c := containerCgroup(t, st.Pid, w.ctrl)
		name := w.v1
		if c.v2 {
			name = w.v2
		}
		if got := c.file(t, name); got != w.value {
			t.Errorf("%s %s: %q, want %q", c.kind(), name, got, w.value)
		}
	}
	if got, want := cpuShares(t, st.Pid, shares); got != want {
		t.Errorf("cpu shares %d: %s, want %s", shares, got, want)
	}
	if mem := containerCgroup(t, st.Pid, "memory"); !mem.v2 {
		if got := mem.file(t, "memory.oom_control"); !strings.Contains(got, "oom_kill_disable 1") {
			t.Errorf("memory.oom_control %q, want oom_kill_disable 1", got)
		}
	} else {
		// A v2 cgroup has no realtime files: the runtime refuses the
		// fields rather than dropping them.
		for _, f := range []string{"cpu.rt_runtime_us", "cpu.rt_period_us"} {
			if containerCgroup(t, st.Pid, "cpu").has(f) {
				t.Errorf("the v2 cgroup has %s", f)
			}
		}
	}
}

// TestResourcesV2Refused: on cgroup v2 the fields it has no file for are
// refused by name, before anything is made; network classID and
// priorities also on a host without net_cls and net_prio (this one).
func TestResourcesV2Refused(t *testing.T) {
	r := newRT(t)
	on, swappiness, rt, rtp := true, uint64(10), int64(1000), uint64(100000)
	cases := []struct {
		name   string
		res    specs.LinuxResources
		want   []string
		v2only bool
	}{
		{"swappiness", specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: &swappiness}},
			[]string{"linux.resources.memory.swappiness", "cgroup v2"}, true},
		{"oom-killer", specs.LinuxResources{Memory: &specs.LinuxMemory{DisableOOMKiller: &on}},
			[]string{"linux.resources.memory.disableOOMKiller", "cgroup v2"}, true},
		{"check-before-update", specs.LinuxResources{Memory: &specs.LinuxMemory{CheckBeforeUpdate: &on}},
			[]string{"linux.resources.memory.checkBeforeUpdate", "cgroup v2"}, true},
		{"rt-runtime", specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: &rt}},
			[]string{"linux.resources.cpu.realtimeRuntime", "cgroup v2"}, true},
		{"rt-period", specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimePeriod: &rtp}},
			[]string{"linux.resources.cpu.realtimePeriod", "cgroup v2"}, true},
		{"net-prio", specs.LinuxResources{Network: &specs.LinuxNetwork{Priorities: []specs.LinuxInterfacePriority{{Name: "lo", Priority: 5}}}},
			[]string{"linux.resources.network.priorities", "net_prio"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.v2only && !pureV2Host() {
				t.Skip("a refusal of cgroup v2 hosts; TestResourcesFields applies the field on v1")
			}
			if !c.v2only && hostHasV1("net_prio") {
				t.Skip("the host has a v1 net_prio hierarchy")
			}
			r.assertResourcesRefused(t, c.name, &c.res, c.want...)
		})
	}
}

// TestHugetlbLimits: where the container's cgroup has the hugetlb
// controller (the v2 guest; this hybrid host refuses, see
// TestResourcesMoreRefused) a page size's limit lands in its limit and
// its reservation files.
func TestHugetlbLimits(t *testing.T) {
	r := newRT(t)
	if hybridHost() {
		t.Skip("hugetlb is refused on this hybrid host (TestResourcesMoreRefused)")
	}
	if _, err := os.Stat("/sys/kernel/mm/hugepages/hugepages-2048kB"); err != nil {
		t.Skip("no 2 MB huge pages on this kernel")
	}
	b := r.bundle("sleep", "1000")
	b.spec.Linux.Resources = &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}}
	id, st := r.started(b, "hugetlb")
	defer r.remove(id)
	c := containerCgroup(t, st.Pid, "hugetlb")
	limit, rsvd := "hugetlb.2MB.limit_in_bytes", "hugetlb.2MB.rsvd.limit_in_bytes"
	if c.v2 {
		limit, rsvd = "hugetlb.2MB.max", "hugetlb.2MB.rsvd.max"
	}
	if got := c.file(t, limit); got != strconv.Itoa(4<<20) {
		t.Errorf("%s: %s, want 4 MiB", limit, got)
	}
	if c.has(rsvd) {
		if got := c.file(t, rsvd); got != strconv.Itoa(4<<20) {
			t.Errorf("%s: %s, want 4 MiB", rsvd, got)
		}
	} else {
		t.Logf("no %s (Linux 5.7+): the reservation limit not checked", rsvd)
	}
}

// hostHasV1File reports whether the v1 hierarchy of controller mounted
// at /sys/fs/cgroup/CONTROLLER has file name in its root, a file only
// some kernels give (realtime group scheduling, swap accounting).
func hostHasV1File(controller, name string) bool {
	_, err := os.Stat(filepath.Join("/sys/fs/cgroup", controller, name))
	return err == nil && hostHasV1(controller)
}

// hostHasV1 reports whether a v1 hierarchy of controller is mounted at
// /sys/fs/cgroup/CONTROLLER, as on this hybrid host.
func hostHasV1(controller string) bool {
	_, err := os.Stat(filepath.Join("/sys/fs/cgroup", controller, "cgroup.procs"))
	return err == nil && !pureV2Host()
}
