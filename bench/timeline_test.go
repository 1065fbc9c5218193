package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// A trimmed trace of `oci-run` running /bin/true (pid 100), with another
// container's sleep (pid 900, not ours) exiting in the middle, and
// perf's own notice lines.
const ociRunTrace = `# captured on: today
     oci-run   100/100   10.000000:      sched:sched_process_exec: filename=/b/oci-run pid=100 old_pid=100
     oci-run   100/100   10.001000:      sched:sched_process_fork: comm=oci-run pid=100 child_comm=oci-run child_pid=101
     oci-run   100/100   10.004000:           cgroup:cgroup_mkdir: root=7 id=1 level=2 path=/ocikit-bench-1/c1
     oci-run   100/100   10.004500:           cgroup:cgroup_mkdir: root=1 id=2 level=2 path=/ocikit-bench-1/c1
     oci-run   100/101   10.005000:      sched:sched_process_fork: comm=oci-run pid=101 child_comm=oci-run child_pid=102
         exe   102/102   10.005100:      sched:sched_process_exec: filename=/proc/self/exe pid=102 old_pid=102
     oci-run   100/100   10.006000:     cgroup:cgroup_attach_task: dst_root=7 dst_id=1 dst_level=2 dst_path=/ocikit-bench-1/c1 pid=102 comm=exe
     oci-run   100/100   10.006100:     cgroup:cgroup_attach_task: dst_root=1 dst_id=2 dst_level=2 dst_path=/ocikit-bench-1/c1 pid=102 comm=exe
         exe   102/102   10.007000:    syscalls:sys_enter_unshare: unshare_flags: 0x6c020000
         exe   102/102   10.007600:     syscalls:sys_exit_unshare: 0x0
         exe   102/102   10.007700:      syscalls:sys_enter_clone: clone_flags: 0x00008011, newsp: 0x00000000
         exe   102/102   10.007800:      sched:sched_process_fork: comm=exe pid=102 child_comm=exe child_pid=103
         exe   102/102   10.007900:      sched:sched_process_exit: comm=exe pid=102 prio=120 group_dead=true
       sleep   900/900   10.008000:      sched:sched_process_exit: comm=true pid=900 prio=120 group_dead=true
         exe   103/103   10.009000:      sched:sched_process_fork: comm=exe pid=103 child_comm=exe child_pid=104
         exe   103/103   10.010000:      syscalls:sys_enter_mount: dev_name: 0x1, dir_name: 0x2, type: 0x3, flags: 0x00084000, data: 0x0
         exe   103/103   10.011000:      syscalls:sys_enter_mount: dev_name: 0x1, dir_name: 0x2, type: 0x3, flags: 0x0, data: 0x0
         exe   103/103   10.012000:  syscalls:sys_enter_pivot_root: new_root: 0x1, put_old: 0x2
         exe   103/104   10.013000:      sched:sched_process_exit: comm=exe pid=104 prio=120 group_dead=false
        true   103/103   10.014000:      sched:sched_process_exec: filename=/bin/true pid=103 old_pid=103
        true   103/103   10.015000:      sched:sched_process_exit: comm=true pid=103 prio=120 group_dead=true
     oci-run   100/100   10.016000:           cgroup:cgroup_rmdir: root=7 id=1 level=2 path=/ocikit-bench-1/c1
     oci-run   100/101   10.017000:      sched:sched_process_exit: comm=oci-run pid=101 prio=120 group_dead=false
     oci-run   100/100   10.018000:      sched:sched_process_exit: comm=oci-run pid=100 prio=120 group_dead=true
     oci-run   100/100   10.019000:      sched:sched_process_exec: filename=/b/oci-run pid=100 old_pid=100
`

func TestParsePerfScript(t *testing.T) {
	events, skipped, err := ParsePerfScript(strings.NewReader(ociRunTrace + "runc:[0:PARENT]  7/7  1.5: syscalls:sys_enter_clone: clone_flags: 0x8011\n"))
	if err != nil {
		t.Fatal(err)
	}
	if skipped != 1 || len(events) != 26 {
		t.Fatalf("%d events, %d skipped", len(events), skipped)
	}
	e := events[0]
	if e.Comm != "oci-run" || e.Pid != 100 || e.Tid != 100 || e.Time != 10 || e.Name != "sched:sched_process_exec" {
		t.Errorf("first event = %+v", e)
	}
	if e.Field("filename") != "/b/oci-run" || e.Field("pid") != "100" {
		t.Errorf("exec fields: filename %q pid %q", e.Field("filename"), e.Field("pid"))
	}
	if last := events[len(events)-1]; last.Comm != "runc:[0:PARENT]" || last.Field("clone_flags") != "0x8011" {
		t.Errorf("last event = %+v", last)
	}
	// "pid" is a whole key: not the tail of child_pid or old_pid.
	fork := events[1]
	if fork.Field("pid") != "100" || fork.Field("child_pid") != "101" {
		t.Errorf("fork fields: %q %q", fork.Field("pid"), fork.Field("child_pid"))
	}
	if fork.Field("missing") != "" {
		t.Error("a missing field has a value")
	}
}

func TestBuildTimeline(t *testing.T) {
	events, _, err := ParsePerfScript(strings.NewReader(ociRunTrace))
	if err != nil {
		t.Fatal(err)
	}
	tl, ok := BuildTimeline(events, 100, "c1", "/bin/true")
	if !ok {
		t.Fatal("timeline not found")
	}
	want := map[string]float64{
		"re-exec (init or self copy)":  5.1,
		"first cgroup mkdir":           4,
		"last cgroup mkdir":            4.5,
		"first cgroup attach":          6,
		"namespaces requested":         7,
		"namespaces made":              7.6,
		"first mount in the container": 10,
		"pivot_root":                   12,
		"container execve":             14,
		"container exit":               15, // not the unrelated "true" at 8 ms
		"first cgroup rmdir":           16,
		"runtime exit":                 18,
	}
	for name, v := range want {
		if got, ok := tl.Marks[name]; !ok || math.Abs(got-v) > 1e-6 {
			t.Errorf("mark %q = %v (present %v), want %v", name, got, ok, v)
		}
	}
	if len(tl.Marks) != len(want) {
		t.Errorf("marks %v", tl.Marks)
	}
	// Tasks 100..104; processes: 100, 102, 103 (104 is a thread of 103).
	if tl.Counts["tasks (processes and threads)"] != 5 || tl.Counts["processes"] != 3 ||
		tl.Counts["mounts"] != 2 || tl.Counts["cgroup mkdirs"] != 2 {
		t.Errorf("counts %v", tl.Counts)
	}
	if _, ok := BuildTimeline(events, 555, "c1", "/bin/true"); ok {
		t.Error("a timeline for a pid the trace does not have")
	}
	// A trace cut before the runtime's exit has no timeline.
	if _, ok := BuildTimeline(events[:10], 100, "c1", "/bin/true"); ok {
		t.Error("a timeline without the runtime's exit")
	}
}

func TestBuildTimelineCloneNamespaces(t *testing.T) {
	// crun makes its namespaces with clone flags, not unshare.
	trace := `crun  5/5  1.000: sched:sched_process_exec: filename=/usr/bin/crun pid=5 old_pid=5
crun  5/5  1.002: syscalls:sys_enter_clone: clone_flags: 0x6c020011, newsp: 0x0
crun  5/5  1.005: sched:sched_process_fork: comm=crun pid=5 child_comm=crun child_pid=6
crun  5/5  1.006: sched:sched_process_exit: comm=crun pid=5 prio=120 group_dead=true
`
	events, _, _ := ParsePerfScript(strings.NewReader(trace))
	tl, ok := BuildTimeline(events, 5, "c", "/bin/true")
	if !ok || math.Abs(tl.Marks["namespaces requested"]-2) > 1e-6 || math.Abs(tl.Marks["namespaces made"]-5) > 1e-6 {
		t.Errorf("clone namespaces: %v %v", tl.Marks, ok)
	}
}

func TestSummarizeAndWriteTimelines(t *testing.T) {
	a := Timeline{Marks: map[string]float64{"pivot_root": 10, "container execve": 12}, Counts: map[string]int{"mounts": 40}}
	b := Timeline{Marks: map[string]float64{"pivot_root": 14}, Counts: map[string]int{"mounts": 42}}
	s := SummarizeTimelines([]Timeline{a, b})
	if s.Runs != 2 || s.Marks["pivot_root"] != 12 || s.Marks["container execve"] != 12 ||
		s.Present["container execve"] != 1 || s.Counts["mounts"] != 41 {
		t.Errorf("summary %+v", s)
	}
	var out bytes.Buffer
	if err := WriteTimelines(&out, "run", []string{Ocikit, Crun}, map[string]TimelineSummary{Ocikit: s}, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"run: ms after the runtime's execve", "pivot_root", "12.00 (1/2)", "mounts"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "first cgroup rmdir") {
		t.Errorf("a mark no runtime has is printed:\n%s", out.String())
	}
}
