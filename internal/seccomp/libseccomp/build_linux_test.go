package libseccomp

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/seccomp"
)

var (
	native, _ = seccomp.NativeArch()
	enosys    = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
	eperm     = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	allow     = uint32(unix.SECCOMP_RET_ALLOW)
)

func uptr(v uint) *uint { return &v }

func prepare(t *testing.T, s *specs.LinuxSeccomp) *seccomp.Program {
	t.Helper()
	prog, err := Prepare(s)
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

// call is a system call on the native architecture, and what the filter
// must return for it.
type call struct {
	nr   uintptr
	args [6]uint64
	want uint32
}

func check(t *testing.T, what string, prog *seccomp.Program, calls ...call) {
	t.Helper()
	for _, c := range calls {
		got, err := seccomp.Eval(prog.Insns, seccomp.Data{Nr: int32(c.nr), Arch: native.Audit, Args: c.args})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got != c.want {
			t.Errorf("%s: call %d args %#x: %s, want %s", what, c.nr, c.args[:2], seccomp.Describe(got), seccomp.Describe(c.want))
		}
	}
}

func TestBuildActions(t *testing.T) {
	mkdir := func(act specs.LinuxSeccompAction, errno *uint) *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir", "no_such_call_ocikit"}, Action: act, ErrnoRet: errno},
		}}
	}
	cases := []struct {
		act   specs.LinuxSeccompAction
		errno *uint
		want  uint32
	}{
		{specs.ActErrno, nil, eperm},
		{specs.ActErrno, uptr(38), enosys},
		{specs.ActKill, nil, unix.SECCOMP_RET_KILL_THREAD},
		{specs.ActKillThread, nil, unix.SECCOMP_RET_KILL_THREAD},
		{specs.ActKillProcess, nil, unix.SECCOMP_RET_KILL_PROCESS},
		{specs.ActTrap, nil, unix.SECCOMP_RET_TRAP},
		{specs.ActTrace, nil, unix.SECCOMP_RET_TRACE | 1},
		{specs.ActTrace, uptr(300), unix.SECCOMP_RET_TRACE | 300},
		{specs.ActLog, nil, unix.SECCOMP_RET_LOG},
		{specs.ActNotify, nil, unix.SECCOMP_RET_USER_NOTIF},
	}
	for _, c := range cases {
		s := mkdir(c.act, c.errno)
		s.ListenerPath = "/run/agent.sock"
		prog := prepare(t, s)
		if prog.Notify != (c.act == specs.ActNotify) {
			t.Errorf("%s: program Notify %v", c.act, prog.Notify)
		}
		check(t, string(c.act), prog, call{nr: unix.SYS_MKDIR, want: c.want}, call{nr: unix.SYS_READ, want: allow})
	}
}

func TestBuildConditions(t *testing.T) {
	arg := func(i uint, op specs.LinuxSeccompOperator, v, v2 uint64) specs.LinuxSeccompArg {
		return specs.LinuxSeccompArg{Index: i, Op: op, Value: v, ValueTwo: v2}
	}
	// personality: allowed for arg0 0xffffffff (a query) or 8, denied
	// otherwise, as podman's profile has it, but default-deny.
	prog := prepare(t, &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"execve"}, Action: specs.ActAllow},
		{Names: []string{"personality"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(0, specs.OpEqualTo, 0xffffffff, 0), arg(0, specs.OpEqualTo, 8, 0)}},
		{Names: []string{"socket"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(0, specs.OpEqualTo, 16, 0), arg(2, specs.OpEqualTo, 9, 0)}},
		{Names: []string{"clone"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(0, specs.OpMaskedEqual, 0x7e020000, 0)}},
		{Names: []string{"dup"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(0, specs.OpLessThan, 10, 0)}},
		{Names: []string{"dup2"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(1, specs.OpGreaterEqual, 10, 0)}},
		{Names: []string{"close"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(0, specs.OpNotEqual, 2, 0)}},
		{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(2, specs.OpLessEqual, 4096, 0)}},
		{Names: []string{"write"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(2, specs.OpGreaterThan, 1<<40, 0)}},
	}})
	a := func(vs ...uint64) (out [6]uint64) { copy(out[:], vs); return }
	check(t, "conditions", prog,
		call{unix.SYS_PERSONALITY, a(0xffffffff), allow},
		call{unix.SYS_PERSONALITY, a(8), allow},
		call{unix.SYS_PERSONALITY, a(0), eperm},
		call{unix.SYS_SOCKET, a(16, 0, 9), allow},
		call{unix.SYS_SOCKET, a(16, 0, 0), eperm},
		call{unix.SYS_SOCKET, a(2, 0, 9), eperm},
		call{unix.SYS_CLONE, a(uint64(unix.SIGCHLD)), allow},
		call{unix.SYS_CLONE, a(unix.CLONE_NEWNS | uint64(unix.SIGCHLD)), eperm},
		call{unix.SYS_DUP, a(9), allow},
		call{unix.SYS_DUP, a(10), eperm},
		call{unix.SYS_DUP2, a(0, 10), allow},
		call{unix.SYS_DUP2, a(0, 9), eperm},
		call{unix.SYS_CLOSE, a(3), allow},
		call{unix.SYS_CLOSE, a(2), eperm},
		call{unix.SYS_READ, a(0, 0, 4096), allow},
		call{unix.SYS_READ, a(0, 0, 4097), eperm},
		call{unix.SYS_WRITE, a(0, 0, 1<<40+1), allow},
		call{unix.SYS_WRITE, a(0, 0, 1<<40), eperm},
	)
}

func TestBuildENOSYS(t *testing.T) {
	// Default EPERM; the profile names calls up to clone3 (435), so a
	// later call gets ENOSYS, and one it leaves out below that EPERM.
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"read", "write", "execve", "clone3", "no_such_call_ocikit"}, Action: specs.ActAllow},
	}}
	check(t, "stub", prepare(t, s),
		call{nr: unix.SYS_READ, want: allow},
		call{nr: unix.SYS_CLONE3, want: allow},
		call{nr: unix.SYS_MOUNT, want: eperm},
		call{nr: unix.SYS_CLONE3 + 1, want: enosys},
		call{nr: 1000, want: enosys},
	)
	// With x86 and x32 as well, each architecture has its own bound.
	s.Architectures = []specs.Arch{specs.ArchX86, specs.ArchX32}
	prog := prepare(t, s)
	if native.Name != string(specs.ArchX86_64) {
		return
	}
	for _, c := range []struct {
		arch uint32
		nr   uint32
		want uint32
	}{
		{unix.AUDIT_ARCH_I386, 11, allow}, // execve on i386
		{unix.AUDIT_ARCH_I386, 1000, enosys},
		{unix.AUDIT_ARCH_I386, 21, eperm},                     // mount on i386
		{unix.AUDIT_ARCH_X86_64, seccomp.X32Bit | 520, allow}, // x32 execve
		{unix.AUDIT_ARCH_X86_64, seccomp.X32Bit | 1000, enosys},
		{unix.AUDIT_ARCH_X86_64, 1000, enosys},
	} {
		got, err := seccomp.Eval(prog.Insns, seccomp.Data{Arch: c.arch, Nr: int32(c.nr)})
		if err != nil || got != c.want {
			t.Errorf("arch %#x nr %#x: %s, %v; want %s", c.arch, c.nr, seccomp.Describe(got), err, seccomp.Describe(c.want))
		}
	}
	// An ENOSYS default needs no stub: the filter is libseccomp's alone.
	s.DefaultErrnoRet = uptr(38)
	check(t, "no stub", prepare(t, s), call{nr: unix.SYS_MOUNT, want: enosys}, call{nr: unix.SYS_READ, want: allow})
}

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		name string
		s    *specs.LinuxSeccomp
		want string
	}{
		{"no execve", &specs.LinuxSeccomp{DefaultAction: specs.ActKillProcess, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read", "write"}, Action: specs.ActAllow},
		}}, "denies execve (SCMP_ACT_KILL_PROCESS)"},
		{"execve errno", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"execve"}, Action: specs.ActErrno},
		}}, "denies execve (SCMP_ACT_ERRNO 1"},
		{"notify without listener", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir"}, Action: specs.ActNotify},
		}}, "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath"},
	}
	for _, c := range cases {
		_, err := Prepare(c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

// TestBuildFirstRuleWins: of two unconditional rules for one call, the
// first one holds (libseccomp keeps it and ignores the other), as with
// runc.
func TestBuildFirstRuleWins(t *testing.T) {
	prog := prepare(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"mkdir"}, Action: specs.ActKillProcess},
		{Names: []string{"mkdir", "rmdir"}, Action: specs.ActErrno},
	}})
	check(t, "two rules", prog,
		call{nr: unix.SYS_MKDIR, want: unix.SECCOMP_RET_KILL_PROCESS},
		call{nr: unix.SYS_RMDIR, want: eperm})
}

func TestBuildFlags(t *testing.T) {
	prog := prepare(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{
		specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow, specs.LinuxSeccompFlagWaitKillableRecv,
	}})
	if want := uint(unix.SECCOMP_FILTER_FLAG_LOG | unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW); prog.Flags != want {
		t.Errorf("flags %#x, want %#x", prog.Flags, want)
	}
}
