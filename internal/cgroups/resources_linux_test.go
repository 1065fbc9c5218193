package cgroups

import (
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const mib = 1 << 20

// defaultDevices is the device list `runc spec` writes.
var defaultDevices = []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}

func fullSpec() *specs.LinuxResources {
	return &specs.LinuxResources{
		Devices: defaultDevices,
		Memory: &specs.LinuxMemory{
			Limit:       ptr[int64](64 * mib),
			Reservation: ptr[int64](32 * mib),
			Swap:        ptr[int64](128 * mib),
			Kernel:      ptr[int64](16 * mib), // deprecated: ignored
			KernelTCP:   ptr[int64](16 * mib),
		},
		Pids: &specs.LinuxPids{Limit: ptr[int64](50)},
		CPU: &specs.LinuxCPU{
			Shares: ptr[uint64](512),
			Quota:  ptr[int64](50000),
			Period: ptr[uint64](200000),
			Cpus:   "0-1",
			Mems:   "0",
		},
	}
}

func TestSetV1(t *testing.T) {
	m, f := fakeTree(t, v1Defaults)
	r := fullSpec()
	r.Memory.Swappiness = ptr[uint64](0)
	r.Memory.DisableOOMKiller = ptr(true)
	r.CPU.RealtimePeriod = ptr[uint64](500000)
	r.CPU.RealtimeRuntime = ptr[int64](10000)
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	wantFiles(t, f.root, map[string]string{
		"memory/p/c/memory.limit_in_bytes":       "67108864",
		"memory/p/c/memory.memsw.limit_in_bytes": "134217728",
		"memory/p/c/memory.soft_limit_in_bytes":  "33554432",
		"memory/p/c/memory.kmem.limit_in_bytes":  v1Defaults["memory"]["memory.kmem.limit_in_bytes"],
		"memory/p/c/memory.swappiness":           "0",
		"memory/p/c/memory.oom_control":          "1",
		"pids/p/c/pids.max":                      "50",
		"cpu,cpuacct/p/c/cpu.shares":             "512",
		"cpu,cpuacct/p/c/cpu.cfs_period_us":      "200000",
		"cpu,cpuacct/p/c/cpu.cfs_quota_us":       "50000",
		"cpu,cpuacct/p/c/cpu.rt_period_us":       "500000",
		"cpu,cpuacct/p/c/cpu.rt_runtime_us":      "10000",
		"cpuset/p/c/cpuset.cpus":                 "0-1",
		"cpuset/p/c/cpuset.mems":                 "0",
	})
	// Only the container's own cgroups were written, never a parent.
	for _, w := range f.attempts {
		if !strings.Contains(w, "/p/c/") {
			t.Errorf("wrote %s", w)
		}
	}
}

func TestSetV2(t *testing.T) {
	m, f := fakeV2(t, "cpuset cpu io memory hugetlb pids")
	if err := m.set(fullSpec(), f); err != nil {
		t.Fatal(err)
	}
	wantFiles(t, f.root, map[string]string{
		"unified/p/c/memory.max":      "67108864",
		"unified/p/c/memory.swap.max": "67108864", // 128 MiB memory+swap, 64 MiB of it memory
		"unified/p/c/memory.low":      "33554432",
		"unified/p/c/pids.max":        "50",
		"unified/p/c/cpu.weight":      "20",
		"unified/p/c/cpu.max":         "50000 200000",
		"unified/p/c/cpuset.cpus":     "0-1",
		"unified/p/c/cpuset.mems":     "0",
		// The controllers are enabled in p, which the runtime made,
		// not in the hierarchy's root, nor in the leaf.
		"unified/p/cgroup.subtree_control":   "memory pids cpu cpuset",
		"unified/cgroup.subtree_control":     "cpuset cpu io memory hugetlb pids",
		"unified/p/c/cgroup.subtree_control": "",
	})
}

func TestSharesToWeight(t *testing.T) {
	for shares, weight := range map[uint64]uint64{
		0: 1, 1: 1, 2: 1, 512: 20, 1024: 39, 262144: 10000, 1 << 40: 10000,
	} {
		if got := sharesToWeight(shares); got != weight {
			t.Errorf("sharesToWeight(%d) = %d, want %d", shares, got, weight)
		}
	}
}

func TestSetUnlimited(t *testing.T) {
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: ptr[int64](-1), Reservation: ptr[int64](-1)},
		Pids:   &specs.LinuxPids{Limit: ptr[int64](-1)},
		CPU:    &specs.LinuxCPU{Quota: ptr[int64](-1), Period: ptr[uint64](100000)},
	}
	m, f := fakeTree(t, v1Defaults)
	put(t, f.root, "memory/p/c/memory.limit_in_bytes", "1048576")
	put(t, f.root, "memory/p/c/memory.memsw.limit_in_bytes", "2097152")
	put(t, f.root, "pids/p/c/pids.max", "10")
	put(t, f.root, "cpu,cpuacct/p/c/cpu.cfs_quota_us", "1000")
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	wantFiles(t, f.root, map[string]string{
		"memory/p/c/memory.limit_in_bytes": "-1",
		// Unlimited memory lifts the memory+swap limit too.
		"memory/p/c/memory.memsw.limit_in_bytes": "-1",
		"memory/p/c/memory.soft_limit_in_bytes":  "-1",
		"pids/p/c/pids.max":                      "max",
		"cpu,cpuacct/p/c/cpu.cfs_quota_us":       "-1",
	})

	m, f = fakeV2(t, "cpu memory pids")
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	wantFiles(t, f.root, map[string]string{
		"unified/p/c/memory.max":      "max",
		"unified/p/c/memory.swap.max": "max",
		"unified/p/c/memory.low":      "max",
		"unified/p/c/pids.max":        "max",
		"unified/p/c/cpu.max":         "max 100000",
	})
}

func TestSetUnlimitedWithoutSwapAccounting(t *testing.T) {
	layout := map[string]map[string]string{"memory": {"memory.limit_in_bytes": "1048576"}}
	m, f := fakeTree(t, layout)
	r := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](-1)}}
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	wantFiles(t, f.root, map[string]string{"memory/p/c/memory.limit_in_bytes": "-1"})

	// An explicit swap limit needs the file, though.
	r.Memory = &specs.LinuxMemory{Limit: ptr[int64](mib), Swap: ptr[int64](2 * mib)}
	err := m.set(r, f)
	if err == nil || !strings.Contains(err.Error(), "linux.resources.memory.swap") ||
		!strings.Contains(err.Error(), "memory.memsw.limit_in_bytes") {
		t.Errorf("swap without swap accounting: %v", err)
	}
}

func TestSetPidsZero(t *testing.T) {
	m, f := fakeTree(t, v1Defaults)
	r := &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](0)}}
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	wantFiles(t, f.root, map[string]string{"pids/p/c/pids.max": "0"})
}

// memswKernel refuses, as the v1 kernel does, a memory limit above the
// memory+swap limit and a memory+swap limit below the memory limit.
func memswKernel(t *testing.T) func(dir, name, value string) error {
	num := func(s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("bad value %q", s)
		}
		if n < 0 {
			n = 1 << 62
		}
		return n
	}
	return func(dir, name, value string) error {
		cur := func(f string) int64 {
			v, err := readFile(dir, f)
			if err != nil {
				t.Fatal(err)
			}
			return num(v)
		}
		switch name {
		case "memory.limit_in_bytes":
			if num(value) > cur("memory.memsw.limit_in_bytes") {
				return unix.EINVAL
			}
		case "memory.memsw.limit_in_bytes":
			if num(value) < cur("memory.limit_in_bytes") {
				return unix.EINVAL
			}
		}
		return nil
	}
}

func TestSetMemswOrder(t *testing.T) {
	m, f := fakeTree(t, v1Defaults)
	f.refuse = memswKernel(t)
	set := func(limit, swap int64) {
		t.Helper()
		f.attempts = nil
		r := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit, Swap: &swap}}
		if err := m.set(r, f); err != nil {
			t.Fatal(err)
		}
		wantFiles(t, f.root, map[string]string{
			"memory/p/c/memory.limit_in_bytes":       strconv.FormatInt(limit, 10),
			"memory/p/c/memory.memsw.limit_in_bytes": strconv.FormatInt(swap, 10),
		})
	}
	const l, s = "memory/p/c/memory.limit_in_bytes=", "memory/p/c/memory.memsw.limit_in_bytes="

	// From unlimited: the limit first works.
	set(100*mib, 150*mib)
	want := []string{l + "104857600", s + "157286400"}
	if !slices.Equal(f.attempts, want) {
		t.Errorf("first set: %q, want %q", f.attempts, want)
	}
	// Raising both: the limit is refused above the old memory+swap.
	set(200*mib, 400*mib)
	want = []string{l + "209715200!", s + "419430400", l + "209715200"}
	if !slices.Equal(f.attempts, want) {
		t.Errorf("raising: %q, want %q", f.attempts, want)
	}
	// Lowering both: the limit first.
	set(50*mib, 60*mib)
	want = []string{l + "52428800", s + "62914560"}
	if !slices.Equal(f.attempts, want) {
		t.Errorf("lowering: %q, want %q", f.attempts, want)
	}
	// Back to unlimited, swap as well.
	set(-1, -1)
	want = []string{l + "-1!", s + "-1", l + "-1"}
	if !slices.Equal(f.attempts, want) {
		t.Errorf("unlimited: %q, want %q", f.attempts, want)
	}
}

func TestSetOtherErrorsAreNotRetried(t *testing.T) {
	m, f := fakeTree(t, v1Defaults)
	f.refuse = func(_, name, _ string) error {
		if name == "memory.limit_in_bytes" {
			return unix.EBUSY // below the current usage
		}
		return nil
	}
	r := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](mib), Swap: ptr[int64](2 * mib)}}
	err := m.set(r, f)
	if !errors.Is(err, unix.EBUSY) || !strings.Contains(err.Error(), "linux.resources.memory.limit") ||
		!strings.Contains(err.Error(), filepath.Join(f.root, "memory/p/c/memory.limit_in_bytes")) {
		t.Errorf("set: %v", err)
	}
	if len(f.attempts) != 1 {
		t.Errorf("attempts %q", f.attempts)
	}
}

func TestSetCPUPairOrder(t *testing.T) {
	m, f := fakeTree(t, v1Defaults)
	// Refuse the period while the quota is unset, as a parent's bandwidth
	// could make the kernel do.
	f.refuse = func(dir, name, _ string) error {
		if q, _ := readFile(dir, "cpu.cfs_quota_us"); name == "cpu.cfs_period_us" && q == "-1" {
			return unix.EINVAL
		}
		return nil
	}
	r := &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: ptr[int64](20000), Period: ptr[uint64](50000)}}
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"cpu,cpuacct/p/c/cpu.cfs_period_us=50000!",
		"cpu,cpuacct/p/c/cpu.cfs_quota_us=20000",
		"cpu,cpuacct/p/c/cpu.cfs_period_us=50000",
	}
	if !slices.Equal(f.attempts, want) {
		t.Errorf("attempts %q, want %q", f.attempts, want)
	}
}
