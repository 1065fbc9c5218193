package process

import (
	"runtime"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestSchedAttr(t *testing.T) {
	attr, err := SchedAttr(&specs.Scheduler{
		Policy: specs.SchedDeadline, Runtime: 10_000_000, Deadline: 20_000_000, Period: 30_000_000,
		Flags: []specs.LinuxSchedulerFlag{specs.SchedFlagResetOnFork, specs.SchedFlagDLOverrun, specs.SchedFlagUtilClampMax},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := unix.SchedAttr{
		Size: unix.SizeofSchedAttr, Policy: unix.SCHED_DEADLINE,
		Flags:   unix.SCHED_FLAG_RESET_ON_FORK | unix.SCHED_FLAG_DL_OVERRUN | unix.SCHED_FLAG_UTIL_CLAMP_MAX,
		Runtime: 10_000_000, Deadline: 20_000_000, Period: 30_000_000, Util_max: 1024,
	}
	if *attr != want {
		t.Errorf("deadline: got %+v, want %+v", *attr, want)
	}
	if unix.SizeofSchedAttr != 56 {
		t.Errorf("sched_attr is %d bytes, the kernel's first full version is 56", unix.SizeofSchedAttr)
	}

	attr, err = SchedAttr(&specs.Scheduler{Policy: specs.SchedFIFO, Priority: 10})
	if err != nil || attr.Policy != unix.SCHED_FIFO || attr.Priority != 10 || attr.Flags != 0 {
		t.Errorf("fifo: got %+v, %v", attr, err)
	}
	attr, err = SchedAttr(&specs.Scheduler{Policy: specs.SchedBatch, Nice: -5})
	if err != nil || attr.Policy != unix.SCHED_BATCH || attr.Nice != -5 {
		t.Errorf("batch: got %+v, %v", attr, err)
	}
	attr, err = SchedAttr(&specs.Scheduler{Policy: specs.SchedOther})
	if err != nil || attr.Policy != unix.SCHED_NORMAL {
		t.Errorf("other: got %+v, %v", attr, err)
	}

	for _, tc := range []struct {
		s    specs.Scheduler
		want string
	}{
		{specs.Scheduler{Policy: specs.SchedISO}, "process.scheduler.policy SCHED_ISO: not implemented by the Linux kernel"},
		{specs.Scheduler{Policy: "SCHED_FAST"}, `process.scheduler.policy "SCHED_FAST": unknown policy`},
		{specs.Scheduler{Policy: specs.SchedRR, Priority: -1}, "process.scheduler.priority -1"},
		{specs.Scheduler{Policy: specs.SchedOther, Flags: []specs.LinuxSchedulerFlag{"SCHED_FLAG_X"}}, `process.scheduler.flags: unknown flag "SCHED_FLAG_X"`},
	} {
		if _, err := SchedAttr(&tc.s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.s, err, tc.want)
		}
	}
}

// TestSetScheduler applies SCHED_BATCH with a higher nice, which needs
// no privilege, on a thread of its own that dies with the goroutine.
func TestSetScheduler(t *testing.T) {
	type result struct {
		attr *unix.SchedAttr
		err  error
	}
	done := make(chan result)
	go func() {
		// Never unlocked: the thread, changed for good, exits with the
		// goroutine.
		runtime.LockOSThread()
		cur, err := unix.SchedGetAttr(0, 0)
		if err != nil {
			done <- result{err: err}
			return
		}
		if err := SetScheduler(&specs.Scheduler{Policy: specs.SchedBatch, Nice: cur.Nice + 1}); err != nil {
			done <- result{err: err}
			return
		}
		attr, err := unix.SchedGetAttr(0, 0)
		if err == nil && attr.Nice != cur.Nice+1 {
			t.Errorf("nice %d, want %d", attr.Nice, cur.Nice+1)
		}
		done <- result{attr, err}
	}()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.attr.Policy != unix.SCHED_BATCH {
		t.Errorf("policy %d, want SCHED_BATCH (%d)", r.attr.Policy, unix.SCHED_BATCH)
	}
	if err := SetScheduler(nil); err != nil {
		t.Errorf("nil scheduler: %v", err)
	}
}

func TestSchedHint(t *testing.T) {
	if h := schedHint(specs.SchedFIFO, unix.EPERM); !strings.Contains(h, "linux.resources.cpu.realtimeRuntime") {
		t.Errorf("FIFO EPERM hint %q does not name realtimeRuntime", h)
	}
	if h := schedHint(specs.SchedBatch, unix.EPERM); h != "" {
		t.Errorf("batch EPERM hint %q, want none", h)
	}
}
