package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/mountinfo"
)

func TestParseProcStatus(t *testing.T) {
	in := "Name:\toci-create\nState:\tS (sleeping)\nVmHWM:\t    9000 kB\nVmRSS:\t    8192 kB\n" +
		"RssAnon:\t    3000 kB\nRssFile:\t    5192 kB\nRssShmem:\t       0 kB\nThreads:\t5\nSigQ:\t0/94127\n"
	st, err := ParseProcStatus(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := ProcStatus{VmRSS: 8192, VmHWM: 9000, RssAnon: 3000, RssFile: 5192, Threads: 5}
	if st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
	if _, err := ParseProcStatus(strings.NewReader("VmRSS:\tlots kB\n")); err == nil {
		t.Error("a non-numeric VmRSS was accepted")
	}
	// A kernel thread has no Vm lines: zeros, no error.
	if st, err := ParseProcStatus(strings.NewReader("Name:\tkthreadd\nThreads:\t1\n")); err != nil || st.VmRSS != 0 || st.Threads != 1 {
		t.Errorf("kernel thread: %+v, %v", st, err)
	}
}

const hybridMountinfo = `22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
25 22 0:21 / /sys/fs/cgroup rw,relatime shared:5 - tmpfs tmpfs rw,mode=755
26 25 0:22 / /sys/fs/cgroup/cpu rw,relatime shared:6 - cgroup cgroup rw,cpu
27 25 0:23 / /sys/fs/cgroup/memory rw,relatime shared:7 - cgroup cgroup rw,memory
28 25 0:24 / /sys/fs/cgroup/systemd rw,relatime shared:8 - cgroup cgroup rw,xattr,name=systemd
29 25 0:25 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
30 22 0:26 /sub /mnt/with\040space rw - cgroup cgroup rw,pids
`

func TestMountsOf(t *testing.T) {
	es, err := mountinfo.Parse(strings.NewReader(hybridMountinfo))
	if err != nil {
		t.Fatal(err)
	}
	ms := mountsOf(es)
	if len(ms) != 7 {
		t.Fatalf("%d mounts, want 7", len(ms))
	}
	if m := ms[6]; m.MountPoint != "/mnt/with space" || m.Root != "/sub" || m.FSType != "cgroup" || !slices.Equal(m.Super, []string{"rw", "pids"}) {
		t.Errorf("last mount = %+v", m)
	}
	var points []string
	for _, m := range CgroupMounts(ms) {
		points = append(points, m.MountPoint)
	}
	// The pids mount's root is not the hierarchy's root: left out.
	want := []string{"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"}
	if !slices.Equal(points, want) {
		t.Errorf("cgroup mounts = %q, want %q", points, want)
	}
	if !HybridUnified(ms) {
		t.Error("hybrid layout not recognised")
	}
	if got := MemoryMount(ms); got != "/sys/fs/cgroup/memory" {
		t.Errorf("MemoryMount = %q", got)
	}
	// The same host once unified is unmounted, and a pure v2 host.
	if HybridUnified(ms[:5]) {
		t.Error("v1 without unified taken for hybrid")
	}
	v2es, _ := mountinfo.Parse(strings.NewReader("25 22 0:21 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"))
	v2 := mountsOf(v2es)
	if HybridUnified(v2) || MemoryMount(v2) != "" {
		t.Error("pure v2 host misread")
	}
	if _, err := mountinfo.Parse(strings.NewReader("1 2 3:4 / /x rw\n")); err == nil {
		t.Error("a line without its separator was accepted")
	}
}
