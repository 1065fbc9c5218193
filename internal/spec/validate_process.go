package spec

import (
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/caps"
)

// checkProcess checks the container's process.
func checkProcess(c *collector, p *specs.Process) {
	if len(p.Args) == 0 {
		// The spec extends POSIX here: on Linux at least one entry, the
		// program, is required.
		c.errorf("process.args", "must not be empty")
	}
	switch {
	case p.Cwd == "":
		c.errorf("process.cwd", "required")
	case !filepath.IsAbs(p.Cwd):
		c.errorf("process.cwd", "%q is not an absolute path", p.Cwd)
	}
	checkEnv(c, "process.env", p.Env)
	if p.ConsoleSize != nil && !p.Terminal {
		c.warnf("process.consoleSize", "ignored without process.terminal")
	}
	if p.OOMScoreAdj != nil && (*p.OOMScoreAdj < -1000 || *p.OOMScoreAdj > 1000) {
		c.errorf("process.oomScoreAdj", "%d is out of the range -1000 to 1000", *p.OOMScoreAdj)
	}
	checkCapabilities(c, p.Capabilities)
	checkRlimits(c, p.Rlimits)
	if io := p.IOPriority; io != nil {
		if !knownIOPrioClass(io.Class) {
			c.errorf("process.ioPriority.class", "unknown class %q", io.Class)
		}
		// ioprio_set(2) takes 3 bits of priority data.
		if io.Priority < 0 || io.Priority > 7 {
			c.errorf("process.ioPriority.priority", "%d is out of the range 0 to 7", io.Priority)
		}
	}
	if s := p.Scheduler; s != nil {
		checkScheduler(c, s)
	}
	if a := p.ExecCPUAffinity; a != nil {
		checkCPUList(c, "process.execCPUAffinity.initial", a.Initial)
		checkCPUList(c, "process.execCPUAffinity.final", a.Final)
	}
}

// checkCapabilities checks that every name is one the kernel knows: an
// unknown name would otherwise be found only in the init, after the
// namespaces and the root filesystem are built.
func checkCapabilities(c *collector, pc *specs.LinuxCapabilities) {
	if pc == nil {
		return
	}
	sets := []struct {
		name  string
		names []string
	}{
		{"bounding", pc.Bounding}, {"effective", pc.Effective},
		{"inheritable", pc.Inheritable}, {"permitted", pc.Permitted},
		{"ambient", pc.Ambient},
	}
	for _, set := range sets {
		for i, n := range set.names {
			if _, err := caps.Parse(n); err != nil {
				c.errorf(at("process.capabilities."+set.name, i), "%v", err)
			}
		}
	}
}

// checkRlimits checks rlimit names, duplicates and soft <= hard, which
// setrlimit(2) would refuse with EINVAL inside the container.
func checkRlimits(c *collector, rls []specs.POSIXRlimit) {
	seen := make(map[string]bool, len(rls))
	for i, rl := range rls {
		p := at("process.rlimits", i)
		switch {
		case rl.Type == "":
			c.errorf(p+".type", "required")
		case !rlimitPattern(rl.Type):
			c.errorf(p+".type", "%q does not match ^RLIMIT_[A-Z]+$", rl.Type)
		case !knownRlimit(rl.Type):
			c.errorf(p+".type", "unknown rlimit type %q", rl.Type)
		case seen[rl.Type]:
			c.errorf(p+".type", "duplicate rlimit %q", rl.Type)
		}
		seen[rl.Type] = true
		if rl.Soft > rl.Hard {
			c.errorf(p, "soft limit %d exceeds hard limit %d", rl.Soft, rl.Hard)
		}
	}
}

// rlimitPattern reports whether t matches the schema's ^RLIMIT_[A-Z]+$.
func rlimitPattern(t string) bool {
	rest, ok := strings.CutPrefix(t, "RLIMIT_")
	if !ok || rest == "" {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] < 'A' || rest[i] > 'Z' {
			return false
		}
	}
	return true
}

// checkScheduler checks sched_setattr(2)'s parameters.
func checkScheduler(c *collector, s *specs.Scheduler) {
	if s.Policy == "" {
		c.errorf("process.scheduler.policy", "required")
	} else if !knownSchedPolicy(s.Policy) {
		c.errorf("process.scheduler.policy", "unknown policy %q", s.Policy)
	}
	for i, f := range s.Flags {
		if !knownSchedFlag(f) {
			c.errorf(at("process.scheduler.flags", i), "unknown flag %q", f)
		}
	}
	if s.Nice < -20 || s.Nice > 19 {
		c.errorf("process.scheduler.nice", "%d is out of the range -20 to 19", s.Nice)
	}
	if s.Policy == specs.SchedDeadline && !(s.Runtime <= s.Deadline && (s.Period == 0 || s.Deadline <= s.Period)) {
		// The kernel's admission rule for SCHED_DEADLINE.
		c.errorf("process.scheduler", "SCHED_DEADLINE needs runtime <= deadline <= period")
	}
}

// checkCPUList checks a CPU list ("0-3,7"): the schema's ^[0-9, -]*$ and
// well-formed ranges.
func checkCPUList(c *collector, path, list string) {
	if list == "" {
		return
	}
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		if !digits(lo) || (isRange && !digits(hi)) {
			c.errorf(path, "%q is not a CPU list (such as 0-3,7)", list)
			return
		}
	}
}

// digits reports whether s is one or more decimal digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkDeadlineHooks refuses startContainer hooks for a SCHED_DEADLINE
// process without SCHED_FLAG_RESET_ON_FORK: the init takes the policy at
// create, and the kernel refuses fork to a deadline task (EAGAIN), so the
// hooks it must start later could never run.
func checkDeadlineHooks(c *collector, s *specs.Spec) {
	p := s.Process
	if p == nil || p.Scheduler == nil || p.Scheduler.Policy != specs.SchedDeadline || s.Hooks == nil || len(s.Hooks.StartContainer) == 0 {
		return
	}
	for _, f := range p.Scheduler.Flags {
		if f == specs.SchedFlagResetOnFork {
			return
		}
	}
	c.errorf("hooks.startContainer", "a SCHED_DEADLINE process (process.scheduler) cannot fork to run these hooks; add SCHED_FLAG_RESET_ON_FORK to process.scheduler.flags")
}
