package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// unifiedFile reads a file of the container's cgroup v2 (the "0::" line
// of /proc/PID/cgroup of its init), on this hybrid host under
// /sys/fs/cgroup/unified.
func unifiedFile(t *testing.T, pid int, name string) string {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			b, err := os.ReadFile(filepath.Join("/sys/fs/cgroup/unified", p, name))
			if err != nil {
				t.Fatal(err)
			}
			return strings.TrimSpace(string(b))
		}
	}
	t.Skip("no cgroup v2 hierarchy here")
	return ""
}

// TestResourcesMore: memory.useHierarchy, cpu.burst, cpu.idle and a raw
// v2 key reach the container's cgroup files.
func TestResourcesMore(t *testing.T) {
	r := newRT(t)
	if _, err := os.Stat("/sys/fs/cgroup/cpu/cpu.cfs_burst_us"); err != nil {
		t.Skip("needs the v1 cpu controller with cpu.cfs_burst_us (Linux 5.14+)")
	}
	b := r.bundle("sleep", "1000")
	quota, period, burst, idle, on := int64(50000), uint64(100000), uint64(20000), int64(1), true
	b.spec.Linux.Resources = &specs.LinuxResources{
		Memory:  &specs.LinuxMemory{UseHierarchy: &on},
		CPU:     &specs.LinuxCPU{Quota: &quota, Period: &period, Burst: &burst, Idle: &idle},
		Unified: map[string]string{"cgroup.max.descendants": "5"},
	}
	id, st := r.started(b, "resmore")
	defer r.remove(id)
	for _, c := range []struct{ ctrl, file, want string }{
		{"memory", "memory.use_hierarchy", "1"},
		{"cpu", "cpu.cfs_quota_us", "50000"},
		{"cpu", "cpu.cfs_burst_us", "20000"},
		{"cpu", "cpu.idle", "1"},
	} {
		if got := cgroupFile(t, st.Pid, c.ctrl, c.file); got != c.want {
			t.Errorf("%s: %s, want %s", c.file, got, c.want)
		}
	}
	if got := unifiedFile(t, st.Pid, "cgroup.max.descendants"); got != "5" {
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
			b := r.bundle("true")
			b.spec.Linux.Resources = &c.res
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			id := r.id(c.name)
			res := r.oci("oci-create", "--bundle", b.dir, id)
			if res.code != 1 {
				t.Fatalf("oci-create: %s, want a refusal", res)
			}
			errLine(t, res, "oci-create", id, c.want...)
			assertClean(t, r.root, id)
		})
	}
}

// hybridHost reports whether cgroup v1 controllers are mounted beside a
// cgroup2 hierarchy at /sys/fs/cgroup/unified, as on the machine these
// tests were written on.
func hybridHost() bool {
	_, errU := os.Stat("/sys/fs/cgroup/unified/cgroup.controllers")
	_, errM := os.Stat("/sys/fs/cgroup/memory")
	return errU == nil && errM == nil
}
