package seccomp

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func uptr(v uint) *uint { return &v }

func TestCompileActions(t *testing.T) {
	cases := []struct {
		act   specs.LinuxSeccompAction
		errno *uint
		want  Action
	}{
		{specs.ActKill, nil, Action{Kind: ActKillThread}},
		{specs.ActKillThread, nil, Action{Kind: ActKillThread}},
		{specs.ActKillProcess, nil, Action{Kind: ActKillProcess}},
		{specs.ActTrap, nil, Action{Kind: ActTrap}},
		{specs.ActErrno, nil, Action{Kind: ActErrno, Ret: uint16(unix.EPERM)}},
		{specs.ActErrno, uptr(38), Action{Kind: ActErrno, Ret: 38}},
		{specs.ActErrno, uptr(0), Action{Kind: ActErrno, Ret: 0}},
		{specs.ActTrace, nil, Action{Kind: ActTrace, Ret: uint16(unix.EPERM)}},
		{specs.ActTrace, uptr(1234), Action{Kind: ActTrace, Ret: 1234}},
		{specs.ActAllow, nil, Action{Kind: ActAllow}},
		{specs.ActLog, nil, Action{Kind: ActLog}},
	}
	for _, c := range cases {
		p, err := Compile(&specs.LinuxSeccomp{DefaultAction: c.act, DefaultErrnoRet: c.errno})
		if err != nil {
			t.Errorf("%s: %v", c.act, err)
			continue
		}
		if p.Default != c.want {
			t.Errorf("%s errnoRet %v: %+v, want %+v", c.act, c.errno, p.Default, c.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	mk := func(act specs.LinuxSeccompAction) specs.LinuxSyscall {
		return specs.LinuxSyscall{Names: []string{"mkdir"}, Action: act}
	}
	cases := []struct {
		name string
		s    specs.LinuxSeccomp
		want string
	}{
		{"unknown default", specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_NOPE"}, `unknown action "SCMP_ACT_NOPE"`},
		{"notify default", specs.LinuxSeccomp{DefaultAction: specs.ActNotify, ListenerPath: "/run/l.sock"}, "SCMP_ACT_NOTIFY cannot be the default action"},
		{"notify without listener", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{mk(specs.ActNotify)}}, "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath"},
		{"notify write", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/l.sock", Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir", "write"}, Action: specs.ActNotify},
		}}, "syscalls[0]: SCMP_ACT_NOTIFY cannot be used for write"},
		{"notify sendmsg", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/l.sock", Syscalls: []specs.LinuxSyscall{
			{Names: []string{"sendmsg"}, Action: specs.ActNotify},
		}}, "cannot be used for sendmsg"},
		{"errnoRet on allow", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, DefaultErrnoRet: uptr(1)}, "errnoRet is only valid"},
		{"errno too big", specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: uptr(4096)}, "largest errno"},
		{"trace too big", specs.LinuxSeccomp{DefaultAction: specs.ActTrace, DefaultErrnoRet: uptr(40000)}, "largest trace"},
		{"unknown arch", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{"SCMP_ARCH_VAX"}}, "SCMP_ARCH_VAX"},
		{"unknown flag", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_X"}}, "SECCOMP_FILTER_FLAG_X"},
		{"no names", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Action: specs.ActErrno}}}, "names is empty"},
		{"empty name", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{""}, Action: specs.ActErrno}}}, "empty system call name"},
		{"arg index", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{
			Names: []string{"mkdir"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}},
		}}}, "index 6"},
		{"unknown op", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{
			Names: []string{"mkdir"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_ABOUT"}},
		}}}, "SCMP_CMP_ABOUT"},
	}
	for _, c := range cases {
		_, err := Compile(&c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestCompileArchsAndFlags(t *testing.T) {
	p, err := Compile(&specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{specs.ArchX86, specs.ArchX32, specs.ArchX86, "SCMP_ARCH_X86_64"},
		Flags:         []specs.LinuxSeccompFlag{FlagTsync, FlagLog, FlagSpecAllow, FlagWaitKillableRecv},
	})
	if err != nil {
		t.Fatal(err)
	}
	native, _ := NativeArch()
	var names []string
	for _, a := range p.Archs {
		names = append(names, a.Name)
	}
	if names[0] != native.Name {
		t.Errorf("archs %v: the native %s must come first", names, native.Name)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("archs %v: %s twice", names, n)
		}
		seen[n] = true
	}
	for _, n := range []string{"SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_X86_64"} {
		if !seen[n] {
			t.Errorf("archs %v: %s missing", names, n)
		}
	}
	// TSYNC is accepted and not passed on; so is WAIT_KILLABLE_RECV
	// without a notifying rule (TestCompileNotify has one).
	if want := uint(unix.SECCOMP_FILTER_FLAG_LOG | unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW); p.Flags != want {
		t.Errorf("flags %#x, want %#x", p.Flags, want)
	}
}

func TestCompileRules(t *testing.T) {
	eq := func(i uint, v uint64) specs.LinuxSeccompArg {
		return specs.LinuxSeccompArg{Index: i, Op: specs.OpEqualTo, Value: v}
	}
	p, err := Compile(&specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Syscalls: []specs.LinuxSyscall{
			// Same action as the default: left out of the rules.
			{Names: []string{"mount"}, Action: specs.ActErrno},
			{Names: []string{"read", "write"}, Action: specs.ActAllow},
			// A different errno is a different action.
			{Names: []string{"clone3"}, Action: specs.ActErrno, ErrnoRet: uptr(38)},
			// Different arguments: one rule, conditions ANDed.
			{Names: []string{"socket"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{eq(0, 16), eq(2, 9)}},
			// The same argument twice: one rule per condition.
			{Names: []string{"personality"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{eq(0, 0), eq(0, 8), {Index: 1, Op: specs.OpMaskedEqual, Value: 0xf0, ValueTwo: 0x10}}},
			{Names: []string{"read"}, Action: specs.ActLog},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	allow := Action{Kind: ActAllow}
	want := []Rule{
		{Name: "read", Action: allow, Conds: []Cond{}},
		{Name: "write", Action: allow, Conds: []Cond{}},
		{Name: "clone3", Action: Action{Kind: ActErrno, Ret: 38}, Conds: []Cond{}},
		{Name: "socket", Action: allow, Conds: []Cond{{0, OpEqual, 16, 0}, {2, OpEqual, 9, 0}}},
		{Name: "personality", Action: allow, Conds: []Cond{{0, OpEqual, 0, 0}}},
		{Name: "personality", Action: allow, Conds: []Cond{{0, OpEqual, 8, 0}}},
		{Name: "personality", Action: allow, Conds: []Cond{{1, OpMaskedEqual, 0xf0, 0x10}}},
		{Name: "read", Action: Action{Kind: ActLog}, Conds: []Cond{}},
	}
	if !reflect.DeepEqual(p.Rules, want) {
		t.Errorf("rules\n%+v\nwant\n%+v", p.Rules, want)
	}
	if names := strings.Join(p.Names, " "); names != "mount read write clone3 socket personality" {
		t.Errorf("names %q: want every named call once, in order", names)
	}
	if !p.Conditional("socket") || p.Conditional("read") || p.Conditional("execve") {
		t.Error("Conditional: want true for socket only")
	}
}

func TestNameLists(t *testing.T) {
	for name, list := range map[string][]string{
		"actions": Actions(), "operators": Operators(), "archs": Archs(), "flags": KnownFlags(),
	} {
		if len(list) == 0 {
			t.Errorf("%s: empty", name)
		}
		for i := 1; i < len(list); i++ {
			if list[i-1] >= list[i] {
				t.Errorf("%s: %v not sorted", name, list)
			}
		}
	}
	if !slices.Contains(Actions(), string(specs.ActNotify)) {
		t.Errorf("actions %v: SCMP_ACT_NOTIFY missing", Actions())
	}
	if len(Operators()) != 7 {
		t.Errorf("operators %v: want the spec's 7", Operators())
	}
	if _, ok := NativeArch(); !ok {
		t.Error("no native architecture")
	}
}

func TestCompileNotify(t *testing.T) {
	s := &specs.LinuxSeccomp{
		DefaultAction:    specs.ActAllow,
		ListenerPath:     "/run/agent.sock",
		ListenerMetadata: "meta",
		Flags:            []specs.LinuxSeccompFlag{FlagWaitKillableRecv, FlagLog},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify},
			{Names: []string{"chmod"}, Action: specs.ActErrno},
		},
	}
	p, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Notify {
		t.Error("Notify not set for a profile with SCMP_ACT_NOTIFY rules")
	}
	notify := Action{Kind: ActNotify}
	if len(p.Rules) != 3 || p.Rules[0].Action != notify || p.Rules[1].Action != notify {
		t.Errorf("rules %+v: want mkdir and mkdirat notified", p.Rules)
	}
	if got := notify.Kernel(); got != unix.SECCOMP_RET_USER_NOTIF {
		t.Errorf("notify kernel action %#x", got)
	}
	if want := uint(unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | unix.SECCOMP_FILTER_FLAG_LOG); p.Flags != want {
		t.Errorf("flags %#x, want %#x: WAIT_KILLABLE_RECV is passed on with a listener", p.Flags, want)
	}
	// A listener path alone, without a notifying rule, loads a plain
	// filter: there is nothing to hand over.
	plain, err := Compile(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock"})
	if err != nil || plain.Notify {
		t.Errorf("listenerPath without NOTIFY: notify %v, %v", plain != nil && plain.Notify, err)
	}
	// The rule's action equal to the default is dropped, and with it the
	// need for a listener: a NOTIFY default is refused before that.
	if _, err := Compile(&specs.LinuxSeccomp{DefaultAction: specs.ActNotify, ListenerPath: "/run/agent.sock"}); err == nil {
		t.Error("NOTIFY default accepted")
	}
}
