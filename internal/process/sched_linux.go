package process

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// schedPolicies maps the spec's policy names to the kernel's numbers.
// SCHED_ISO is named by the spec but exists only in out-of-tree
// patches, so it is absent here and refused by name.
var schedPolicies = map[specs.LinuxSchedulerPolicy]uint32{
	specs.SchedOther:    unix.SCHED_NORMAL,
	specs.SchedFIFO:     unix.SCHED_FIFO,
	specs.SchedRR:       unix.SCHED_RR,
	specs.SchedBatch:    unix.SCHED_BATCH,
	specs.SchedIdle:     unix.SCHED_IDLE,
	specs.SchedDeadline: unix.SCHED_DEADLINE,
}

var schedFlags = map[specs.LinuxSchedulerFlag]uint64{
	specs.SchedFlagResetOnFork:  unix.SCHED_FLAG_RESET_ON_FORK,
	specs.SchedFlagReclaim:      unix.SCHED_FLAG_RECLAIM,
	specs.SchedFlagDLOverrun:    unix.SCHED_FLAG_DL_OVERRUN,
	specs.SchedFlagKeepPolicy:   unix.SCHED_FLAG_KEEP_POLICY,
	specs.SchedFlagKeepParams:   unix.SCHED_FLAG_KEEP_PARAMS,
	specs.SchedFlagUtilClampMin: unix.SCHED_FLAG_UTIL_CLAMP_MIN,
	specs.SchedFlagUtilClampMax: unix.SCHED_FLAG_UTIL_CLAMP_MAX,
}

// SchedAttr turns the spec's scheduler into the kernel's sched_attr,
// refusing a policy or flag the kernel does not know, by name.
//
// The spec has no utilization clamp values, so with UTIL_CLAMP_MIN or
// _MAX the clamp is set to 0 (min) or 1024 (max, SCHED_CAPACITY_SCALE):
// asking for the clamp without values must not throttle the process to
// nothing.
func SchedAttr(s *specs.Scheduler) (*unix.SchedAttr, error) {
	policy, ok := schedPolicies[s.Policy]
	if !ok {
		if s.Policy == specs.SchedISO {
			return nil, fmt.Errorf("process.scheduler.policy %s: not implemented by the Linux kernel", s.Policy)
		}
		return nil, fmt.Errorf("process.scheduler.policy %q: unknown policy", s.Policy)
	}
	if s.Priority < 0 {
		return nil, fmt.Errorf("process.scheduler.priority %d: must not be negative", s.Priority)
	}
	attr := &unix.SchedAttr{
		Size:     unix.SizeofSchedAttr,
		Policy:   policy,
		Nice:     s.Nice,
		Priority: uint32(s.Priority),
		Runtime:  s.Runtime,
		Deadline: s.Deadline,
		Period:   s.Period,
	}
	for _, name := range s.Flags {
		f, ok := schedFlags[name]
		if !ok {
			return nil, fmt.Errorf("process.scheduler.flags: unknown flag %q", name)
		}
		attr.Flags |= f
	}
	if attr.Flags&unix.SCHED_FLAG_UTIL_CLAMP_MAX != 0 {
		attr.Util_max = 1024
	}
	return attr, nil
}

// SetScheduler applies s, when set, to the calling thread with
// sched_setattr(2). It must run before the credentials change: raising
// a priority, a real-time or deadline policy and a negative nice need
// CAP_SYS_NICE, which the user's capabilities may not hold. After
// execve only this thread is left, so the policy is the program's.
//
// A SCHED_DEADLINE thread cannot fork or clone (EAGAIN), and neither can
// it create threads. The caller is locked to its OS thread, and Go starts
// new threads for a locked thread from its template thread, not from the
// locked one, so the runtime keeps working; what runs after this call
// must simply not fork.
func SetScheduler(s *specs.Scheduler) error {
	if s == nil {
		return nil
	}
	attr, err := SchedAttr(s)
	if err != nil {
		return err
	}
	if err := unix.SchedSetAttr(0, attr, 0); err != nil {
		return fmt.Errorf("process.scheduler %s: %w%s", s.Policy, err, schedHint(s.Policy, err))
	}
	return nil
}

// schedHint explains the errors whose cause is not in the spec itself.
func schedHint(policy specs.LinuxSchedulerPolicy, err error) string {
	switch {
	case errors.Is(err, unix.EPERM) && (policy == specs.SchedFIFO || policy == specs.SchedRR):
		// With CONFIG_RT_GROUP_SCHED a new cgroup v1 cpu cgroup has
		// cpu.rt_runtime_us 0: the kernel then refuses real-time
		// policies to its tasks, even to root.
		return " (a cgroup v1 cpu controller with cpu.rt_runtime_us 0 refuses real-time policies: set linux.resources.cpu.realtimeRuntime)"
	case errors.Is(err, unix.EBUSY) && policy == specs.SchedDeadline:
		return " (not enough deadline bandwidth left: runtime/period exceeds what the root domain admits)"
	case errors.Is(err, unix.EPERM) && policy == specs.SchedDeadline:
		return " (SCHED_DEADLINE needs CAP_SYS_NICE and a cgroup v1 cpu controller that grants it real-time runtime)"
	}
	return ""
}
