package seccomp

import (
	"runtime"
	"sort"

	"golang.org/x/sys/unix"
)

// ActionKind is what a filter does with a system call, independent of the
// value (errno, trace message) that goes with it.
type ActionKind int

const (
	ActKillThread ActionKind = iota + 1
	ActKillProcess
	ActTrap
	ActErrno
	ActTrace
	ActAllow
	ActLog
	// ActNotify hands the call to a listener process (SCMP_ACT_NOTIFY),
	// which answers for it; see Program.Notify.
	ActNotify
)

// actionNames maps the spec's names to kinds. SCMP_ACT_KILL is the old name
// of SCMP_ACT_KILL_THREAD, as in libseccomp. SCMP_ACT_NOTIFY needs a
// listener (linux.seccomp.listenerPath): Compile checks that one is named.
var actionNames = map[string]ActionKind{
	"SCMP_ACT_KILL":         ActKillThread,
	"SCMP_ACT_KILL_THREAD":  ActKillThread,
	"SCMP_ACT_KILL_PROCESS": ActKillProcess,
	"SCMP_ACT_TRAP":         ActTrap,
	"SCMP_ACT_ERRNO":        ActErrno,
	"SCMP_ACT_TRACE":        ActTrace,
	"SCMP_ACT_ALLOW":        ActAllow,
	"SCMP_ACT_LOG":          ActLog,
	"SCMP_ACT_NOTIFY":       ActNotify,
}

// Op is a comparison of one system call argument.
type Op int

const (
	OpNotEqual Op = iota + 1
	OpLess
	OpLessOrEqual
	OpEqual
	OpGreaterOrEqual
	OpGreater
	OpMaskedEqual // (arg & Value) == ValueTwo
)

var opNames = map[string]Op{
	"SCMP_CMP_NE":        OpNotEqual,
	"SCMP_CMP_LT":        OpLess,
	"SCMP_CMP_LE":        OpLessOrEqual,
	"SCMP_CMP_EQ":        OpEqual,
	"SCMP_CMP_GE":        OpGreaterOrEqual,
	"SCMP_CMP_GT":        OpGreater,
	"SCMP_CMP_MASKED_EQ": OpMaskedEqual,
}

// Arch describes one architecture a filter can cover.
type Arch struct {
	// Name is the spec's name, e.g. "SCMP_ARCH_X86_64".
	Name string
	// Libseccomp is the name libseccomp's arch resolver takes.
	Libseccomp string
	// Audit is the AUDIT_ARCH_* value the kernel puts in seccomp_data.arch.
	// x86_64 and x32 share one: x32 system calls are told apart by bit 30
	// of the syscall number (X32Bit).
	Audit uint32
}

// X32Bit marks an x32 system call number on an x86_64 kernel.
const X32Bit = 0x40000000

var archTable = []Arch{
	{"SCMP_ARCH_X86", "x86", unix.AUDIT_ARCH_I386},
	{"SCMP_ARCH_X86_64", "x86_64", unix.AUDIT_ARCH_X86_64},
	{"SCMP_ARCH_X32", "x32", unix.AUDIT_ARCH_X86_64},
	{"SCMP_ARCH_ARM", "arm", unix.AUDIT_ARCH_ARM},
	{"SCMP_ARCH_AARCH64", "arm64", unix.AUDIT_ARCH_AARCH64},
	{"SCMP_ARCH_MIPS", "mips", unix.AUDIT_ARCH_MIPS},
	{"SCMP_ARCH_MIPS64", "mips64", unix.AUDIT_ARCH_MIPS64},
	{"SCMP_ARCH_MIPS64N32", "mips64n32", unix.AUDIT_ARCH_MIPS64N32},
	{"SCMP_ARCH_MIPSEL", "mipsel", unix.AUDIT_ARCH_MIPSEL},
	{"SCMP_ARCH_MIPSEL64", "mipsel64", unix.AUDIT_ARCH_MIPSEL64},
	{"SCMP_ARCH_MIPSEL64N32", "mipsel64n32", unix.AUDIT_ARCH_MIPSEL64N32},
	{"SCMP_ARCH_PPC", "ppc", unix.AUDIT_ARCH_PPC},
	{"SCMP_ARCH_PPC64", "ppc64", unix.AUDIT_ARCH_PPC64},
	{"SCMP_ARCH_PPC64LE", "ppc64le", unix.AUDIT_ARCH_PPC64LE},
	{"SCMP_ARCH_S390", "s390", unix.AUDIT_ARCH_S390},
	{"SCMP_ARCH_S390X", "s390x", unix.AUDIT_ARCH_S390X},
	{"SCMP_ARCH_PARISC", "parisc", unix.AUDIT_ARCH_PARISC},
	{"SCMP_ARCH_PARISC64", "parisc64", unix.AUDIT_ARCH_PARISC64},
	{"SCMP_ARCH_RISCV64", "riscv64", unix.AUDIT_ARCH_RISCV64},
}

// nativeArchNames maps GOARCH to the spec's name of the architecture whose
// system calls this binary makes (libseccomp's "native", too).
var nativeArchNames = map[string]string{
	"386":      "SCMP_ARCH_X86",
	"amd64":    "SCMP_ARCH_X86_64",
	"arm":      "SCMP_ARCH_ARM",
	"arm64":    "SCMP_ARCH_AARCH64",
	"mips":     "SCMP_ARCH_MIPS",
	"mipsle":   "SCMP_ARCH_MIPSEL",
	"mips64":   "SCMP_ARCH_MIPS64",
	"mips64le": "SCMP_ARCH_MIPSEL64",
	"ppc64":    "SCMP_ARCH_PPC64",
	"ppc64le":  "SCMP_ARCH_PPC64LE",
	"s390x":    "SCMP_ARCH_S390X",
	"riscv64":  "SCMP_ARCH_RISCV64",
}

// LookupArch returns the architecture the spec calls name.
func LookupArch(name string) (Arch, bool) {
	for _, a := range archTable {
		if a.Name == name {
			return a, true
		}
	}
	return Arch{}, false
}

// NativeArch returns the architecture of this binary's system calls.
func NativeArch() (Arch, bool) {
	return LookupArch(nativeArchNames[runtime.GOARCH])
}

// Filter flags (linux.seccomp.flags). TSYNC asks the kernel to put the
// filter on every thread of the process; ocikit loads it on the one thread
// that then calls execve, which ends every other thread, so the flag
// changes nothing and is accepted as such. WAIT_KILLABLE_RECV only changes
// how a process waits for a listener's answer (once the listener has the
// call, only a fatal signal interrupts the wait): it is passed on with a
// notifying filter, on kernels that have it (5.19+; see Profile.Finish),
// and dropped otherwise, since the kernel refuses it without a listener.
const (
	FlagTsync            = "SECCOMP_FILTER_FLAG_TSYNC"
	FlagLog              = "SECCOMP_FILTER_FLAG_LOG"
	FlagSpecAllow        = "SECCOMP_FILTER_FLAG_SPEC_ALLOW"
	FlagWaitKillableRecv = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"
)

// flagBits maps each known flag to the bits passed to seccomp(2).
var flagBits = map[string]uint{
	FlagTsync:            0,
	FlagLog:              unix.SECCOMP_FILTER_FLAG_LOG,
	FlagSpecAllow:        unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
	FlagWaitKillableRecv: unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
}

// Actions lists the action names Compile accepts.
func Actions() []string { return sortedKeys(actionNames) }

// Operators lists the argument comparison names Compile accepts.
func Operators() []string { return sortedKeys(opNames) }

// Archs lists the architecture names Compile accepts.
func Archs() []string {
	out := make([]string, 0, len(archTable))
	for _, a := range archTable {
		out = append(out, a.Name)
	}
	sort.Strings(out)
	return out
}

// KnownFlags lists the filter flag names Compile accepts.
func KnownFlags() []string { return sortedKeys(flagBits) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
