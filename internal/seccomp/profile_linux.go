package seccomp

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Action is what the filter does with a system call: a kind and, for
// ERRNO, the errno the call returns, for TRACE the value the tracer reads.
type Action struct {
	Kind ActionKind
	Ret  uint16
}

// maxErrno is the largest errno the kernel returns for SECCOMP_RET_ERRNO
// (MAX_ERRNO); it clamps anything larger to it.
const maxErrno = 4095

// maxTrace is the largest value libseccomp carries for a TRACE action (its
// return code is a signed 16-bit number).
const maxTrace = 32767

// Kernel returns the SECCOMP_RET_* value of a, as a filter returns it.
func (a Action) Kernel() uint32 {
	switch a.Kind {
	case ActKillThread:
		return unix.SECCOMP_RET_KILL_THREAD
	case ActKillProcess:
		return unix.SECCOMP_RET_KILL_PROCESS
	case ActTrap:
		return unix.SECCOMP_RET_TRAP
	case ActErrno:
		return unix.SECCOMP_RET_ERRNO | uint32(a.Ret)
	case ActTrace:
		return unix.SECCOMP_RET_TRACE | uint32(a.Ret)
	case ActLog:
		return unix.SECCOMP_RET_LOG
	case ActNotify:
		return unix.SECCOMP_RET_USER_NOTIF
	}
	return unix.SECCOMP_RET_ALLOW
}

// Cond is one comparison of argument Index of a system call.
type Cond struct {
	Index           uint
	Op              Op
	Value, ValueTwo uint64
}

// Rule gives Action to the system call Name when every Cond holds.
type Rule struct {
	Name   string
	Action Action
	Conds  []Cond
}

// Profile is the validated, translated linux.seccomp.
type Profile struct {
	Default Action
	// Archs are the architectures the filter covers, the native one first.
	Archs []Arch
	// Flags are the SECCOMP_FILTER_FLAG_* bits to load the filter with.
	Flags uint
	// Rules are in the spec's order. A rule whose action is the default
	// one is left out: it would change nothing, and libseccomp refuses it.
	Rules []Rule
	// Names are all the system calls the profile names, each once, rules
	// left out included: they tell which calls its authors knew of.
	Names []string
	// Notify is set when a rule's action is SCMP_ACT_NOTIFY: the filter
	// is loaded with a listener, which the runtime hands to the process
	// listening at linux.seccomp.listenerPath.
	Notify bool
}

// Compile validates s and translates it into a Profile. Every name is
// checked here, before anything is applied; system call names are left to
// the filter builder, which skips those this libseccomp or kernel does not
// know, so that a profile written for a newer kernel still works.
func Compile(s *specs.LinuxSeccomp) (*Profile, error) {
	if s == nil {
		return nil, errors.New("linux.seccomp: no profile")
	}
	def, err := parseAction(s.DefaultAction, s.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp.defaultAction: %w", err)
	}
	if def.Kind == ActNotify {
		// Every call of the runtime between the load and the execve,
		// the hand-over of the listener itself included, would wait for
		// a listener that does not have it yet.
		return nil, errors.New("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action")
	}
	p := &Profile{Default: def}
	if p.Archs, err = parseArchs(s.Architectures); err != nil {
		return nil, err
	}
	for _, f := range s.Flags {
		bits, ok := flagBits[string(f)]
		if !ok {
			return nil, fmt.Errorf("linux.seccomp.flags: unknown flag %q", f)
		}
		p.Flags |= bits
	}
	seen := map[string]bool{}
	for i, sc := range s.Syscalls {
		field := fmt.Sprintf("linux.seccomp.syscalls[%d]", i)
		rules, err := compileSyscall(sc, def)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		p.Rules = append(p.Rules, rules...)
		if len(rules) > 0 && rules[0].Action.Kind == ActNotify {
			p.Notify = true
		}
		for _, n := range sc.Names {
			if !seen[n] {
				seen[n] = true
				p.Names = append(p.Names, n)
			}
		}
	}
	if p.Notify && s.ListenerPath == "" {
		return nil, errors.New("linux.seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath, the unix socket of the process that answers the calls")
	}
	if !p.Notify {
		// Without a listener the kernel refuses the flag; it would
		// change nothing anyway.
		p.Flags &^= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	}
	return p, nil
}

func parseAction(name specs.LinuxSeccompAction, errnoRet *uint) (Action, error) {
	kind, ok := actionNames[string(name)]
	if !ok {
		return Action{}, fmt.Errorf("unknown action %q", name)
	}
	a := Action{Kind: kind}
	switch kind {
	case ActErrno:
		// The spec's default errno for SCMP_ACT_ERRNO is EPERM.
		a.Ret = uint16(unix.EPERM)
		if errnoRet != nil {
			if *errnoRet > maxErrno {
				return Action{}, fmt.Errorf("errnoRet %d: more than the largest errno, %d", *errnoRet, maxErrno)
			}
			a.Ret = uint16(*errnoRet)
		}
	case ActTrace:
		// The value a tracer reads with PTRACE_GETEVENTMSG; EPERM, as
		// runc and crun give it, when the spec has none.
		a.Ret = uint16(unix.EPERM)
		if errnoRet != nil {
			if *errnoRet > maxTrace {
				return Action{}, fmt.Errorf("errnoRet %d: more than the largest trace value, %d", *errnoRet, maxTrace)
			}
			a.Ret = uint16(*errnoRet)
		}
	default:
		if errnoRet != nil {
			return Action{}, fmt.Errorf("errnoRet is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not %s", name)
		}
	}
	return a, nil
}

// parseArchs returns the native architecture followed by the spec's other
// ones, each once. The native one is always there: libseccomp puts it in
// every filter, and the runtime's own calls before execve are native.
func parseArchs(names []specs.Arch) ([]Arch, error) {
	native, ok := NativeArch()
	if !ok {
		return nil, errors.New("linux.seccomp: this binary's architecture has no seccomp support here")
	}
	out := []Arch{native}
	for _, n := range names {
		a, ok := LookupArch(string(n))
		if !ok {
			return nil, fmt.Errorf("linux.seccomp.architectures: unknown architecture %q", n)
		}
		dup := false
		for _, have := range out {
			dup = dup || have.Name == a.Name
		}
		if !dup {
			out = append(out, a)
		}
	}
	return out, nil
}

// runtimeAfterLoad are the system calls the runtime itself makes once a
// notifying filter is in and before the listener has reached the process
// at listenerPath: sendmsg carries the listener to the runtime, write says
// ready. Were they notified, the process would wait for an answer that
// cannot come.
var runtimeAfterLoad = map[string]bool{"write": true, "sendmsg": true}

// compileSyscall turns one syscalls[] entry into rules, one per name, or
// more when several conditions test the same argument: libseccomp ANDs the
// conditions of a rule and refuses two on one argument, so such an entry is
// split into one rule per condition, each matching on its own, as runc
// does. (Profiles use that form for "arg0 is one of these values".)
func compileSyscall(sc specs.LinuxSyscall, def Action) ([]Rule, error) {
	if len(sc.Names) == 0 {
		return nil, errors.New("names is empty")
	}
	act, err := parseAction(sc.Action, sc.ErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("action: %w", err)
	}
	conds := make([]Cond, 0, len(sc.Args))
	var seen [6]int
	split := false
	for j, a := range sc.Args {
		if a.Index >= uint(len(seen)) {
			return nil, fmt.Errorf("args[%d]: index %d: a system call has 6 arguments (0 to 5)", j, a.Index)
		}
		op, ok := opNames[string(a.Op)]
		if !ok {
			return nil, fmt.Errorf("args[%d]: unknown operator %q", j, a.Op)
		}
		seen[a.Index]++
		split = split || seen[a.Index] > 1
		conds = append(conds, Cond{Index: a.Index, Op: op, Value: a.Value, ValueTwo: a.ValueTwo})
	}
	var rules []Rule
	for _, name := range sc.Names {
		if name == "" {
			return nil, errors.New("names: empty system call name")
		}
		if act.Kind == ActNotify && runtimeAfterLoad[name] {
			return nil, fmt.Errorf("SCMP_ACT_NOTIFY cannot be used for %s: the runtime makes that call under the filter to hand the listener over and report ready, before any listener could answer", name)
		}
		if act == def {
			continue
		}
		if !split {
			rules = append(rules, Rule{Name: name, Action: act, Conds: conds})
			continue
		}
		for _, c := range conds {
			rules = append(rules, Rule{Name: name, Action: act, Conds: []Cond{c}})
		}
	}
	return rules, nil
}

// Conditional reports whether some rule for the system call name tests
// its arguments, so that its action cannot be known from the name alone.
func (p *Profile) Conditional(name string) bool {
	for _, r := range p.Rules {
		if r.Name == name && len(r.Conds) > 0 {
			return true
		}
	}
	return false
}
