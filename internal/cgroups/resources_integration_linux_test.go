package cgroups

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// limit reads back the file of controller c's hierarchy in m: v1name on
// cgroup v1, v2name on v2.
func limit(t *testing.T, m *Manager, c, v1name, v2name string) string {
	t.Helper()
	key, ok := m.route(c)
	if !ok {
		t.Fatalf("no hierarchy for %s in %v", c, m.Paths)
	}
	name := v1name
	if key == "unified" {
		name = v2name
	}
	v, err := readFile(m.Paths[key], name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// killOnCleanup kills whatever is left in m's cgroup when the test ends
// and waits for it to leave, so that testParent's cleanup can remove the
// cgroups.
func killOnCleanup(t *testing.T, m *Manager) {
	t.Cleanup(func() { killAndWait(t, m) })
}

func killAndWait(t *testing.T, m *Manager) {
	t.Helper()
	if err := m.Signal(unix.SIGKILL); err != nil {
		t.Errorf("kill: %v", err)
		return
	}
	// Killed processes leave the cgroup as they exit; their parent may be
	// the host's init, which reaps them on its own schedule.
	for range 1000 {
		if pids, err := m.Pids(); err != nil || len(pids) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("processes still in the cgroup after SIGKILL")
}

func TestSetHostLimits(t *testing.T) {
	needRoot(t)
	m := create(t, "t1", testParent(t)+"/c1")
	r := &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: ptr[int64](64 * mib)},
		Pids:    &specs.LinuxPids{Limit: ptr[int64](50)},
		CPU:     &specs.LinuxCPU{Shares: ptr[uint64](512), Quota: ptr[int64](50000), Period: ptr[uint64](100000), Cpus: "0", Mems: "0"},
	}
	if err := m.Set(r); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ ctrl, v1, v2, want1, want2 string }{
		{"memory", "memory.limit_in_bytes", "memory.max", "67108864", "67108864"},
		{"pids", "pids.max", "pids.max", "50", "50"},
		{"cpu", "cpu.shares", "cpu.weight", "512", "20"},
		{"cpu", "cpu.cfs_quota_us", "cpu.max", "50000", "50000 100000"},
		{"cpu", "cpu.cfs_period_us", "cpu.max", "100000", "50000 100000"},
		{"cpuset", "cpuset.cpus", "cpuset.cpus", "0", "0"},
		{"cpuset", "cpuset.mems", "cpuset.mems", "0", "0"},
	} {
		want := c.want1
		if key, _ := m.route(c.ctrl); key == "unified" {
			want = c.want2
		}
		if got := limit(t, m, c.ctrl, c.v1, c.v2); got != want {
			t.Errorf("%s: %q, want %q", c.v1, got, want)
		}
	}
	// Unlimited again.
	r = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](-1)}, Pids: &specs.LinuxPids{Limit: ptr[int64](-1)}}
	if err := m.Set(r); err != nil {
		t.Fatal(err)
	}
	if got := limit(t, m, "pids", "pids.max", "pids.max"); got != "max" {
		t.Errorf("pids.max %q after -1", got)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
}

// TestSetHostMemsw raises and lowers the v1 memory and memory+swap limits
// together, which needs the two writes in opposite orders.
func TestSetHostMemsw(t *testing.T) {
	needRoot(t)
	m := create(t, "t1", testParent(t)+"/c1")
	key, ok := m.route("memory")
	if !ok || key == "unified" {
		t.Skip("no v1 memory hierarchy")
	}
	if _, err := os.Stat(m.Paths[key] + "/memory.memsw.limit_in_bytes"); err != nil {
		t.Skip("no swap accounting: ", err)
	}
	for _, v := range [][2]int64{{64 * mib, 128 * mib}, {256 * mib, 512 * mib}, {32 * mib, 48 * mib}, {-1, -1}} {
		r := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &v[0], Swap: &v[1]}}
		if err := m.Set(r); err != nil {
			t.Fatalf("%d/%d: %v", v[0], v[1], err)
		}
		if v[0] < 0 {
			continue // reads back as the page-rounded maximum
		}
		for i, f := range []string{"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"} {
			if got, _ := readFile(m.Paths[key], f); got != strconv.FormatInt(v[i], 10) {
				t.Errorf("%s = %s, want %d", f, got, v[i])
			}
		}
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
}

// TestSetHostPidsLimit: a process in a cgroup limited to 50 pids cannot
// fork a 50th.
func TestSetHostPidsLimit(t *testing.T) {
	needRoot(t)
	m := create(t, "t1", testParent(t)+"/c1")
	killOnCleanup(t, m)
	if err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](50)}}); err != nil {
		t.Fatal(err)
	}
	// The shell waits for its cgroup before it forks 60 sleeps. The
	// sleeps must not hold the shell's output pipes, or Wait would wait
	// for them too.
	cmd := exec.Command("/bin/busybox", "sh", "-c", `read x; i=0
		while [ $i -lt 60 ]; do /bin/busybox sleep 1000 </dev/null >/dev/null 2>&1 & i=$((i+1)); done
		echo spawned $i`)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(cmd.Process.Pid); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal(err)
	}
	in.Write([]byte("go\n"))
	in.Close()
	err = cmd.Wait()
	if err == nil || strings.Contains(stdout.String(), "spawned 60") || !strings.Contains(stderr.String(), "can't fork") {
		t.Errorf("the shell forked past the limit: %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
	pids, err := m.Pids()
	if err != nil {
		t.Fatal(err)
	}
	// The shell itself has exited; up to 49 sleeps remain.
	if len(pids) == 0 || len(pids) > 49 {
		t.Errorf("%d processes left in the cgroup, want 1 to 49", len(pids))
	}
	killAndWait(t, m)
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
}

// TestSetHostJoinedCgroup: the limits of a cgroup the runtime did not
// create are left alone.
func TestSetHostJoinedCgroup(t *testing.T) {
	needRoot(t)
	leaf := testParent(t) + "/c1"
	owner := create(t, "owner", leaf)
	m := create(t, "t1", leaf)
	err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](50)}})
	if err == nil || !strings.Contains(err.Error(), "not created by this runtime") {
		t.Errorf("Set: %v", err)
	}
	if got := limit(t, m, "pids", "pids.max", "pids.max"); got != "max" {
		t.Errorf("pids.max = %q", got)
	}
	if err := owner.Destroy(); err != nil {
		t.Fatal(err)
	}
}
