package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// procSched returns the value of one "key : value" line of
// /proc/PID/sched.
func procSched(t *testing.T, pid int, key string) string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/sched", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s line in /proc/%d/sched:\n%s", key, pid, data)
	return ""
}

// TestScheduler starts a container whose process has each scheduler and
// reads the program's policy from the host: /proc/PID/sched and
// sched_getattr on the container's pid, which is the program's after the
// exec. The program is sleep, which never forks: a SCHED_DEADLINE task
// cannot.
func TestScheduler(t *testing.T) {
	t.Parallel()
	// With CONFIG_RT_GROUP_SCHED a new v1 cpu cgroup has no real-time
	// runtime: the spec must grant some for SCHED_FIFO.
	rtGroups := hostHasV1File("cpu", "cpu.rt_runtime_us")
	rtRuntime, rtPeriod := int64(10000), uint64(100000)
	cases := []struct {
		name  string
		sched specs.Scheduler
		edit  func(b *bundle)
		check func(t *testing.T, pid int, attr *unix.SchedAttr)
	}{{
		name:  "batch-nice",
		sched: specs.Scheduler{Policy: specs.SchedBatch, Nice: 7},
		check: func(t *testing.T, pid int, attr *unix.SchedAttr) {
			if attr.Policy != unix.SCHED_BATCH || attr.Nice != 7 {
				t.Errorf("policy %d nice %d, want %d and 7", attr.Policy, attr.Nice, unix.SCHED_BATCH)
			}
			// /proc/PID/stat field 19 is the nice value, 41 the policy.
			data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			if err != nil {
				t.Fatal(err)
			}
			f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
			if f[19-3] != "7" || f[41-3] != "3" {
				t.Errorf("/proc/%d/stat nice %s policy %s, want 7 and 3", pid, f[19-3], f[41-3])
			}
		},
	}, {
		name:  "fifo",
		sched: specs.Scheduler{Policy: specs.SchedFIFO, Priority: 10},
		edit: func(b *bundle) {
			if rtGroups {
				b.spec.Linux.Resources.CPU = &specs.LinuxCPU{RealtimeRuntime: &rtRuntime, RealtimePeriod: &rtPeriod}
			}
		},
		check: func(t *testing.T, pid int, attr *unix.SchedAttr) {
			if attr.Policy != unix.SCHED_FIFO || attr.Priority != 10 {
				t.Errorf("policy %d priority %d, want %d and 10", attr.Policy, attr.Priority, unix.SCHED_FIFO)
			}
			// The kernel's prio of a real-time task is 99 - priority.
			if p, prio := procSched(t, pid, "policy"), procSched(t, pid, "prio"); p != "1" || prio != "89" {
				t.Errorf("/proc/%d/sched policy %s prio %s, want 1 and 89", pid, p, prio)
			}
		},
	}, {
		name: "deadline",
		sched: specs.Scheduler{Policy: specs.SchedDeadline,
			Runtime: 5_000_000, Deadline: 50_000_000, Period: 100_000_000},
		check: func(t *testing.T, pid int, attr *unix.SchedAttr) {
			if attr.Policy != unix.SCHED_DEADLINE || attr.Runtime != 5_000_000 ||
				attr.Deadline != 50_000_000 || attr.Period != 100_000_000 {
				t.Errorf("got %+v, want SCHED_DEADLINE 5ms/50ms/100ms", *attr)
			}
			if p := procSched(t, pid, "policy"); p != "6" {
				t.Errorf("/proc/%d/sched policy %s, want 6", pid, p)
			}
			procSched(t, pid, "dl.runtime")
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle("sleep", "1000")
			sched := c.sched
			b.spec.Process.Scheduler = &sched
			if c.edit != nil {
				c.edit(b)
			}
			id, st := r.started(b, c.name)
			defer r.remove(id)
			attr, err := unix.SchedGetAttr(st.Pid, 0)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, st.Pid, attr)
		})
	}
}

// TestSchedulerRefused: what the kernel or the host cannot do fails the
// create with the field named.
func TestSchedulerRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		sched specs.Scheduler
		want  []string
		skip  string
	}{{
		name:  "iso",
		sched: specs.Scheduler{Policy: specs.SchedISO},
		want:  []string{"process.scheduler.policy SCHED_ISO: not implemented by the Linux kernel"},
	}, {
		// A new v1 cpu cgroup has cpu.rt_runtime_us 0 under
		// CONFIG_RT_GROUP_SCHED: the error names the field to set.
		name:  "fifo-no-rt-runtime",
		sched: specs.Scheduler{Policy: specs.SchedFIFO, Priority: 10},
		want:  []string{"process.scheduler SCHED_FIFO", "linux.resources.cpu.realtimeRuntime"},
		skip:  "no v1 cpu controller with cpu.rt_runtime_us (CONFIG_RT_GROUP_SCHED) on this host",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.skip != "" && !hostHasV1File("cpu", "cpu.rt_runtime_us") {
				t.Skip(c.skip)
			}
			r := newRT(t)
			b := r.bundle("true")
			sched := c.sched
			b.spec.Process.Scheduler = &sched
			res := r.run(b)
			if res.code == 0 {
				t.Fatalf("oci-run: %s, want a failure", res)
			}
			for _, w := range c.want {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr %q lacks %q", res.stderr, w)
				}
			}
		})
	}
}

// TestIOPriority reads the program's I/O priority from the host with
// ioprio_get on the container's pid.
func TestIOPriority(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		prio specs.LinuxIOPriority
		want uintptr
	}{
		{"be-4", specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 4}, 2<<13 | 4},
		{"idle", specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_IDLE}, 3 << 13},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle("sleep", "1000")
			prio := c.prio
			b.spec.Process.IOPriority = &prio
			id, st := r.started(b, c.name)
			defer r.remove(id)
			const whoProcess = 1
			got, _, errno := unix.Syscall(unix.SYS_IOPRIO_GET, whoProcess, uintptr(st.Pid), 0)
			if errno != 0 {
				t.Fatalf("ioprio_get %d: %v", st.Pid, errno)
			}
			if got != c.want {
				t.Errorf("ioprio_get %d = %#x, want %#x", st.Pid, got, c.want)
			}
		})
	}
}

// TestExecCPUAffinity runs oci-exec --process with execCPUAffinity and
// reads Cpus_allowed_list inside: final binds the process once in the
// container's cgroups and wins. Initial alone binds it before it joins
// them; what it has afterwards is then the kernel's choice, as the spec
// says: since 6.2 the kernel keeps the mask a task asked for across a
// cpuset change, before that joining a cpuset gives the cpuset's CPUs.
func TestExecCPUAffinity(t *testing.T) {
	t.Parallel()
	var mine unix.CPUSet
	if err := unix.SchedGetaffinity(0, &mine); err != nil {
		t.Fatal(err)
	}
	if !mine.IsSet(0) || !mine.IsSet(1) {
		t.Skip("needs CPUs 0 and 1 (this test may run on fewer)")
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	initialOnly := "1"
	if !kernelAtLeast(t, 6, 2) {
		initialOnly = statusLine(t, string(status), "Cpus_allowed_list")
	}
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	id, _ := r.started(b, "affinity")
	defer r.remove(id)
	dir := r.dir("process")
	for i, c := range []struct {
		aff  specs.CPUAffinity
		want string
	}{
		{specs.CPUAffinity{Initial: "1"}, initialOnly},
		{specs.CPUAffinity{Final: "0"}, "0"},
		{specs.CPUAffinity{Initial: "1", Final: "0"}, "0"},
		{specs.CPUAffinity{Initial: "0-1", Final: "1"}, "1"},
	} {
		aff := c.aff
		data, err := json.Marshal(specs.Process{
			Args:            []string{"grep", "Cpus_allowed_list", "/proc/self/status"},
			Env:             []string{"PATH=/bin"},
			Cwd:             "/",
			ExecCPUAffinity: &aff,
		})
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, fmt.Sprintf("p%d.json", i))
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res := r.oci("oci-exec", "--process", file, id)
		if want := "Cpus_allowed_list:\t" + c.want + "\n"; res.code != 0 || res.stdout != want {
			t.Errorf("initial %q final %q: %s, want stdout %q", aff.Initial, aff.Final, res, want)
		}
	}
	file := filepath.Join(dir, "bad.json")
	data, _ := json.Marshal(specs.Process{Args: []string{"true"}, Cwd: "/", ExecCPUAffinity: &specs.CPUAffinity{Final: "9999"}})
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res := r.oci("oci-exec", "--process", file, id)
	if res.code == 0 || !strings.Contains(res.stderr, "process.execCPUAffinity.final") {
		t.Errorf("final 9999: %s, want a failure naming process.execCPUAffinity.final", res)
	}
}

// TestExecInheritsLinuxAttrs: a process oci-exec runs gets the
// container's linux.personality and linux.memoryPolicy, as its init did.
func TestExecInheritsLinuxAttrs(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	b.spec.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32}
	b.spec.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolInterleave, Nodes: "0"}
	id, _ := r.started(b, "attrs")
	defer r.remove(id)
	res := r.oci("oci-exec", id, "sh", "-c", "uname -m; cat /proc/self/personality; cat /proc/self/numa_maps")
	if res.code != 0 {
		t.Fatalf("oci-exec: %s", res)
	}
	lines := strings.SplitN(res.stdout, "\n", 3)
	if len(lines) < 3 || lines[0] != "i686" || lines[1] != "00000008" {
		t.Errorf("uname -m, personality: %q, want i686 and 00000008", lines)
	}
	if !strings.Contains(res.stdout, "interleave:0") {
		t.Errorf("numa_maps has no interleave:0 mapping:\n%s", res.stdout)
	}
}

// TestExecConsoleSize: an exec'd process with a terminal and
// process.consoleSize sees that size on its terminal.
func TestExecConsoleSize(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	id, _ := r.started(b, "size")
	defer r.remove(id)
	data, err := json.Marshal(specs.Process{
		Terminal:    true,
		ConsoleSize: &specs.Box{Height: 30, Width: 100},
		Args:        []string{"stty", "size"},
		Env:         []string{"PATH=/bin"},
		Cwd:         "/",
	})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(r.dir("process"), "process.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sock, output := consoleReceiver(t, r)
	if res := r.oci("oci-exec", "--console-socket", sock, "--process", file, id); res.code != 0 {
		t.Fatalf("oci-exec: %s", res)
	}
	if out := output(); out != "30 100\n" {
		t.Errorf("stty size = %q, want 30 100", out)
	}
}

// kernelAtLeast reports whether the running kernel's release is at least
// major.minor.
func kernelAtLeast(t *testing.T, major, minor int) bool {
	t.Helper()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	var maj, min int
	if _, err := fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &maj, &min); err != nil {
		t.Fatalf("kernel release %q: %v", u.Release, err)
	}
	return maj > major || maj == major && min >= minor
}
