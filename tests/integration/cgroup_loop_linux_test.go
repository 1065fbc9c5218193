package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// cgroupLoopCycles is how many create/start/delete --force cycles
// TestCgroupLoop runs, and cgroupLoopRuns how many oci-runs after them.
const (
	cgroupLoopCycles = 100
	cgroupLoopRuns   = 20
)

// loopResources is a linux.resources touching every controller the
// runtime writes: memory, pids, cpu shares and quota, cpuset, device
// rules, and hugetlb where the container's cgroup can have it (not on a
// hybrid host like this one, whose hugetlb only the unified root holds).
func loopResources(b *bundle) {
	limit, pids := int64(64<<20), int64(50)
	shares, quota, period := uint64(512), int64(50000), uint64(100000)
	res := ensureResources(b)
	res.Memory = &specs.LinuxMemory{Limit: &limit}
	res.Pids = &specs.LinuxPids{Limit: &pids}
	res.CPU = &specs.LinuxCPU{Shares: &shares, Quota: &quota, Period: &period, Cpus: "0", Mems: "0"}
	res.Devices = append(res.Devices, devRule(false, "c", 1, 5, "rwm"), devRule(true, "c", 10, 229, "rw"))
	if _, err := os.Stat("/sys/kernel/mm/hugepages/hugepages-2048kB"); err == nil && !hybridHost() {
		res.HugepageLimits = []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}
	}
}

// TestCgroupLoop: 100 create/start/delete --force cycles of a container
// with resources in every controller, its cgroup under a parent cgroup
// the runtime makes (a relative linux.cgroupsPath "PARENT/ID"), then 20
// oci-runs of one in the default place; afterwards no cgroup directory of
// the loop is left in any hierarchy, the parent included, nothing is left
// under this test's own cgroup, and the host has the mounts it had.
func TestCgroupLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the 100-cycle cgroup loop")
	}
	t.Parallel()
	r := newRT(t)
	mounts := hostMounts(t)
	prefix, ids := loopIDs(t, r, "cgloop")
	ids = ids[:cgroupLoopCycles+cgroupLoopRuns]
	parent := "ocikit-" + prefix + "-parent"

	cycle := r.bundle("sleep", "1000")
	loopResources(cycle)
	for _, id := range ids[:cgroupLoopCycles] {
		cycle.spec.Linux.CgroupsPath = parent + "/ocikit-" + id
		if err := cycle.write(); err != nil {
			t.Fatal(err)
		}
		r.must("oci-create", "--bundle", cycle.dir, id)
		r.must("oci-start", id)
		r.must("oci-delete", "--force", id)
	}
	for _, d := range cgroupDirsFor(t, parent) {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("parent cgroup %s after the cycles: %v, want it gone", d, err)
		}
	}

	run := r.bundle("true")
	loopResources(run)
	if err := run.write(); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids[cgroupLoopCycles:] {
		if res := r.oci("oci-run", "--bundle", run.dir, id); res.code != 0 {
			t.Fatalf("oci-run %s: %s", id, res)
		}
	}

	assertLoopClean(t, r, mounts, prefix, ids)
	// The test's own cgroup in each hierarchy, where both kinds of
	// cgroup were made: checked by name again, directly.
	for _, own := range cgroupDirsFor(t, "") {
		names, err := readDirNames(own)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if strings.Contains(n, prefix) {
				t.Errorf("cgroup %s is left under the test's cgroup", filepath.Join(own, n))
			}
		}
	}
}
