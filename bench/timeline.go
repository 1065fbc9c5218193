package main

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// TraceEvent is one line of `perf script -F comm,pid,tid,time,event,trace`.
type TraceEvent struct {
	Comm   string
	Pid    int     // thread group (process) id
	Tid    int     // thread id
	Time   float64 // seconds, perf's clock
	Name   string  // e.g. sched:sched_process_exec
	Fields string  // the tracepoint's formatted fields
}

// perfLine matches "comm pid/tid time: event: fields"; a comm may hold
// blanks ("runc:[0:PARENT]" does not, a thread name may).
var perfLine = regexp.MustCompile(`^\s*(.*?)\s+(\d+)/(\d+)\s+(\d+\.\d+):\s+(\S+):\s*(.*)$`)

// ParsePerfScript reads perf script output. Lines that are not events
// (perf's own notices) are skipped and counted.
func ParsePerfScript(r io.Reader) (events []TraceEvent, skipped int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		m := perfLine.FindStringSubmatch(sc.Text())
		if m == nil {
			skipped++
			continue
		}
		pid, _ := strconv.Atoi(m[2])
		tid, _ := strconv.Atoi(m[3])
		t, perr := strconv.ParseFloat(m[4], 64)
		if perr != nil {
			skipped++
			continue
		}
		events = append(events, TraceEvent{Comm: m[1], Pid: pid, Tid: tid, Time: t, Name: m[5], Fields: m[6]})
	}
	return events, skipped, sc.Err()
}

// Field returns the value of key in a tracepoint's fields, which perf
// prints as "key=value" (sched, cgroup) or "key: value," (syscalls).
func (e TraceEvent) Field(key string) string {
	for _, sep := range []string{"=", ": "} {
		s := e.Fields
		for {
			i := strings.Index(s, key+sep)
			if i < 0 {
				break
			}
			// Only a whole key: "pid=" must not match "old_pid=".
			if i > 0 && s[i-1] != ' ' && s[i-1] != ',' {
				s = s[i+len(key):]
				continue
			}
			v := s[i+len(key)+len(sep):]
			if j := strings.IndexAny(v, " ,"); j >= 0 {
				v = v[:j]
			}
			return v
		}
	}
	return ""
}

// nsCloneFlags are the CLONE_NEW* bits: a clone with any of them makes
// namespaces, as crun does instead of unshare.
const nsCloneFlags = 0x7e020080

// Marks, in the order a container's creation passes them. Offsets are
// milliseconds from the runtime's execve.
var markOrder = []string{
	"re-exec (init or self copy)",
	"first cgroup mkdir",
	"last cgroup mkdir",
	"first cgroup attach",
	"namespaces requested",
	"namespaces made",
	"first mount in the container",
	"pivot_root",
	"container execve",
	"container exit",
	"first cgroup rmdir",
	"runtime exit",
}

// countOrder names the counts a timeline keeps.
var countOrder = []string{"processes", "tasks (processes and threads)", "mounts", "cgroup mkdirs"}

// Timeline is what one runtime command did, as seen by the tracepoints.
type Timeline struct {
	Marks  map[string]float64
	Counts map[string]int
}

// BuildTimeline follows the command whose process id is pid, from its
// execve to the exit of its thread group: every task it and its
// descendants forked ("members"), the cgroups they made, the namespaces
// they asked for, their mounts and pivot_root.
//
// The container's own tasks are told apart by their cgroup: a task
// attached to a cgroup whose path ends in "/"+id, and its descendants.
// That holds for the init a previous create left waiting, so start's
// timeline still sees the container's execve of program, and it keeps
// other containers on a busy host out. Events are read from the start of
// the trace for that reason, and marked only inside the command's window.
//
// ok is false when the trace lacks the command's execve or exit (perf
// started late, or lost events).
func BuildTimeline(events []TraceEvent, pid int, id, program string) (Timeline, bool) {
	tl := Timeline{Marks: map[string]float64{}, Counts: map[string]int{}}
	prog := filepath.Base(program)
	members := map[int]bool{}
	container := map[int]bool{}
	groups := map[int]bool{}
	nsClone := map[int]bool{} // member tids inside a namespace-making clone
	start, end := -1.0, -1.0
	mark := func(name string, t float64) {
		if _, seen := tl.Marks[name]; !seen {
			tl.Marks[name] = (t - start) * 1000
		}
	}
	for _, e := range events {
		// The container's tasks, whenever they were made.
		switch e.Name {
		case "cgroup:cgroup_attach_task":
			if strings.HasSuffix(e.Field("dst_path"), "/"+id) {
				if p, err := strconv.Atoi(e.Field("pid")); err == nil {
					container[p] = true
				}
			}
		case "sched:sched_process_fork":
			parent, _ := strconv.Atoi(e.Field("pid"))
			if child, _ := strconv.Atoi(e.Field("child_pid")); container[parent] && child > 0 {
				container[child] = true
			}
		}
		if start < 0 {
			if e.Name == "sched:sched_process_exec" && e.Tid == pid {
				start = e.Time
				members[pid] = true
			}
			continue
		}
		mine, inside := members[e.Tid], container[e.Tid]
		switch e.Name {
		case "sched:sched_process_fork":
			parent, _ := strconv.Atoi(e.Field("pid"))
			child, _ := strconv.Atoi(e.Field("child_pid"))
			if members[parent] && child > 0 {
				members[child] = true
				if nsClone[parent] {
					mark("namespaces made", e.Time)
					delete(nsClone, parent)
				}
			}
		case "sched:sched_process_exec":
			switch {
			case inside && filepath.Base(e.Field("filename")) == prog:
				mark("container execve", e.Time)
			case mine && !inside:
				mark("re-exec (init or self copy)", e.Time)
			}
		case "sched:sched_process_exit":
			dead := e.Field("group_dead") == "true"
			if inside && dead && e.Comm == prog {
				mark("container exit", e.Time)
			}
			if mine && dead && e.Pid == pid {
				end = e.Time
				mark("runtime exit", e.Time)
			}
		case "cgroup:cgroup_mkdir":
			if mine {
				mark("first cgroup mkdir", e.Time)
				tl.Marks["last cgroup mkdir"] = (e.Time - start) * 1000
				tl.Counts["cgroup mkdirs"]++
			}
		case "cgroup:cgroup_attach_task":
			if mine {
				mark("first cgroup attach", e.Time)
			}
		case "cgroup:cgroup_rmdir":
			if mine {
				mark("first cgroup rmdir", e.Time)
			}
		case "syscalls:sys_enter_unshare":
			if mine {
				mark("namespaces requested", e.Time)
			}
		case "syscalls:sys_exit_unshare":
			if mine {
				mark("namespaces made", e.Time)
			}
		case "syscalls:sys_enter_clone":
			flags, err := strconv.ParseUint(strings.TrimPrefix(e.Field("clone_flags"), "0x"), 16, 64)
			if mine && err == nil && flags&nsCloneFlags != 0 {
				mark("namespaces requested", e.Time)
				nsClone[e.Tid] = true
			}
		case "syscalls:sys_enter_mount":
			if mine {
				tl.Counts["mounts"]++
			}
			if mine && inside {
				mark("first mount in the container", e.Time)
			}
		case "syscalls:sys_enter_pivot_root":
			if mine {
				mark("pivot_root", e.Time)
			}
		}
		if mine {
			groups[e.Pid] = true
		}
		if end >= 0 {
			break
		}
	}
	if start < 0 || end < 0 {
		return Timeline{}, false
	}
	tl.Counts["tasks (processes and threads)"] = len(members)
	tl.Counts["processes"] = len(groups)
	return tl, true
}

// TimelineSummary is the median of each mark and count over the
// timelines of one runtime and step.
type TimelineSummary struct {
	Runs  int                `json:"runs"`
	Marks map[string]float64 `json:"marks_ms"`
	// Present counts the timelines that have each mark: the container's
	// execve can come after runc's or crun's start has exited, so it is
	// not always inside the start's window.
	Present map[string]int     `json:"present"`
	Counts  map[string]float64 `json:"counts"`
}

// SummarizeTimelines takes the median of each mark over the timelines
// that have it, and of each count over all of them.
func SummarizeTimelines(tls []Timeline) TimelineSummary {
	s := TimelineSummary{Runs: len(tls), Marks: map[string]float64{}, Present: map[string]int{}, Counts: map[string]float64{}}
	for _, name := range markOrder {
		var xs []float64
		for _, tl := range tls {
			if v, ok := tl.Marks[name]; ok {
				xs = append(xs, v)
			}
		}
		if len(xs) > 0 {
			s.Marks[name] = Summarize(xs).Median
			s.Present[name] = len(xs)
		}
	}
	for _, name := range countOrder {
		var xs []float64
		for _, tl := range tls {
			xs = append(xs, float64(tl.Counts[name]))
		}
		if len(xs) > 0 {
			s.Counts[name] = Summarize(xs).Median
		}
	}
	return s
}

// WriteTimelines prints, for one step, the median offset of each mark
// for each runtime (with "(k/n)" when only k of the n timelines have
// it), then the counts.
func WriteTimelines(w io.Writer, step string, order []string, sums map[string]TimelineSummary, markdown bool) error {
	t := &table{markdown: markdown, right: make([]bool, len(order)+1)}
	header := append([]string{step + ": ms after the runtime's execve"}, order...)
	for i := 1; i < len(header); i++ {
		t.right[i] = true
	}
	t.add(header...)
	runs := []string{"timelines (runs traced)"}
	for _, rt := range order {
		runs = append(runs, fmt.Sprint(sums[rt].Runs))
	}
	t.add(runs...)
	for _, name := range markOrder {
		row, any := []string{name}, false
		for _, rt := range order {
			if v, ok := sums[rt].Marks[name]; ok {
				cell := fmt.Sprintf("%.2f", v)
				if k, n := sums[rt].Present[name], sums[rt].Runs; k < n {
					cell += fmt.Sprintf(" (%d/%d)", k, n)
				}
				row = append(row, cell)
				any = true
			} else {
				row = append(row, "-")
			}
		}
		if any {
			t.add(row...)
		}
	}
	for _, name := range countOrder {
		row := []string{name}
		for _, rt := range order {
			row = append(row, fmt.Sprintf("%.0f", sums[rt].Counts[name]))
		}
		t.add(row...)
	}
	return t.write(w)
}
