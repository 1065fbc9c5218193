package libseccomp

import (
	"errors"
	"fmt"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	scmp "github.com/seccomp/libseccomp-golang"

	"github.com/ocikit/ocikit/internal/seccomp"
)

// optimizeAbove is the rule count from which the filter is laid out as a
// binary tree of syscall numbers instead of a list: a long profile (podman's
// has hundreds of calls) then costs a handful of comparisons per system call
// instead of hundreds. Short filters stay a list, which libseccomp 2.5
// also lays out more reliably when there are few or no rules.
const optimizeAbove = 32

// Prepare validates s and compiles it into a Program, ready to load with
// Program.Load. Nothing is loaded here, so every error in the profile is
// found before the container's process is touched.
func Prepare(s *specs.LinuxSeccomp) (*seccomp.Program, error) {
	p, err := seccomp.Compile(s)
	if err != nil {
		return nil, err
	}
	return Build(p)
}

// Build compiles p with libseccomp. A system call name that this
// libseccomp does not know is skipped, as runc and crun do: it is newer
// than the library, so no program here can make it by name, and the
// default action (or the ENOSYS stub) covers its number.
func Build(p *seccomp.Profile) (*seccomp.Program, error) {
	def, err := action(p.Default)
	if err != nil {
		return nil, err
	}
	f, err := scmp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp: new filter: %w", err)
	}
	defer f.Release()
	// Real errnos from libseccomp instead of ECANCELED (libseccomp >= 2.5);
	// an older library only gives vaguer errors.
	_ = f.SetRawRC(true)
	// ocikit sets no_new_privs itself, from process.noNewPrivileges; the
	// filter must not set it behind the spec's back.
	if err := f.SetNoNewPrivsBit(false); err != nil {
		return nil, fmt.Errorf("linux.seccomp: clear the filter's no_new_privs bit: %w", err)
	}
	archs := make([]scmp.ScmpArch, len(p.Archs))
	for i, a := range p.Archs {
		if archs[i], err = scmp.GetArchFromString(a.Libseccomp); err != nil {
			return nil, fmt.Errorf("linux.seccomp.architectures: %s: %w", a.Name, err)
		}
		// The native architecture (first) is in every new filter.
		if i == 0 {
			continue
		}
		if err := f.AddArch(archs[i]); err != nil {
			return nil, fmt.Errorf("linux.seccomp.architectures: add %s: %w", a.Name, err)
		}
	}
	added := 0
	for _, r := range p.Rules {
		ok, err := addRule(f, r)
		if err != nil {
			return nil, err
		}
		if ok {
			added++
		}
	}
	if added > optimizeAbove {
		// Best effort: an older libseccomp lacks the attribute and
		// builds the list layout, which is as correct.
		_ = f.SetOptimize(2)
	}
	insns, err := export(f)
	if err != nil {
		return nil, err
	}
	return p.Finish(insns, lastSyscalls(p, archs))
}

// addRule adds r to f and reports false when r's system call is unknown.
func addRule(f *scmp.ScmpFilter, r seccomp.Rule) (bool, error) {
	nr, err := scmp.GetSyscallFromName(r.Name)
	if err != nil {
		return false, nil
	}
	act, err := action(r.Action)
	if err != nil {
		return false, err
	}
	if len(r.Conds) == 0 {
		err = f.AddRule(nr, act)
	} else {
		conds := make([]scmp.ScmpCondition, len(r.Conds))
		for i, c := range r.Conds {
			if conds[i], err = condition(c); err != nil {
				return false, fmt.Errorf("linux.seccomp: syscall %s: %w", r.Name, err)
			}
		}
		err = f.AddRuleConditional(nr, act, conds)
	}
	if err != nil {
		return false, fmt.Errorf("linux.seccomp: add rule for syscall %s: %w", r.Name, ruleErr(err))
	}
	return true, nil
}

// ruleErr explains the errnos libseccomp gives for a refused rule.
func ruleErr(err error) error {
	switch {
	case errors.Is(err, syscall.EEXIST):
		return fmt.Errorf("%w (it clashes with another rule for the same call)", err)
	case errors.Is(err, syscall.EINVAL):
		return fmt.Errorf("%w (libseccomp refuses these conditions for it)", err)
	}
	return err
}

func action(a seccomp.Action) (scmp.ScmpAction, error) {
	switch a.Kind {
	case seccomp.ActKillThread:
		return scmp.ActKillThread, nil
	case seccomp.ActKillProcess:
		return scmp.ActKillProcess, nil
	case seccomp.ActTrap:
		return scmp.ActTrap, nil
	case seccomp.ActErrno:
		return scmp.ActErrno.SetReturnCode(int16(a.Ret)), nil
	case seccomp.ActTrace:
		return scmp.ActTrace.SetReturnCode(int16(a.Ret)), nil
	case seccomp.ActAllow:
		return scmp.ActAllow, nil
	case seccomp.ActLog:
		return scmp.ActLog, nil
	case seccomp.ActNotify:
		return scmp.ActNotify, nil
	}
	return scmp.ActInvalid, fmt.Errorf("linux.seccomp: action kind %d has no libseccomp action", a.Kind)
}

var ops = map[seccomp.Op]scmp.ScmpCompareOp{
	seccomp.OpNotEqual:       scmp.CompareNotEqual,
	seccomp.OpLess:           scmp.CompareLess,
	seccomp.OpLessOrEqual:    scmp.CompareLessOrEqual,
	seccomp.OpEqual:          scmp.CompareEqual,
	seccomp.OpGreaterOrEqual: scmp.CompareGreaterEqual,
	seccomp.OpGreater:        scmp.CompareGreater,
	seccomp.OpMaskedEqual:    scmp.CompareMaskedEqual,
}

func condition(c seccomp.Cond) (scmp.ScmpCondition, error) {
	op, ok := ops[c.Op]
	if !ok {
		return scmp.ScmpCondition{}, fmt.Errorf("operator %d has no libseccomp comparison", c.Op)
	}
	if c.Op == seccomp.OpMaskedEqual {
		// The spec's value is the mask and valueTwo the datum, the
		// order libseccomp takes them in: (arg & value) == valueTwo.
		return scmp.MakeCondition(c.Index, op, c.Value, c.ValueTwo)
	}
	return scmp.MakeCondition(c.Index, op, c.Value)
}

// lastSyscalls returns, for each architecture of the filter (by the spec's
// name), the largest number among the system calls the profile names, for
// the ENOSYS stub. x32 numbers carry the x32 bit, as the kernel sees them.
func lastSyscalls(p *seccomp.Profile, archs []scmp.ScmpArch) map[string]uint32 {
	last := map[string]uint32{}
	for i, a := range p.Archs {
		var max uint32
		for _, name := range p.Names {
			nr, err := scmp.GetSyscallFromNameByArch(name, archs[i])
			// Negative numbers are libseccomp's stand-ins for calls
			// this architecture does not have.
			if err != nil || nr < 0 {
				continue
			}
			n := uint32(nr)
			// libseccomp gives x32 numbers with the bit; make sure of it.
			if a.Name == "SCMP_ARCH_X32" {
				n |= seccomp.X32Bit
			}
			if n > max {
				max = n
			}
		}
		last[a.Name] = max
	}
	return last
}
