package spec

import specs "github.com/opencontainers/runtime-spec/specs-go"

// The enumerations of the runtime-spec schema, as switches rather than
// maps: a package-level map is built at start-up by every tool that
// imports this package, and most of them never validate anything.

// knownNamespace reports whether t is a namespace type of the runtime spec.
func knownNamespace(t specs.LinuxNamespaceType) bool {
	switch t {
	case specs.PIDNamespace, specs.NetworkNamespace, specs.MountNamespace,
		specs.IPCNamespace, specs.UTSNamespace, specs.UserNamespace,
		specs.CgroupNamespace, specs.TimeNamespace:
		return true
	}
	return false
}

// knownRlimit reports whether t is an rlimit type Linux has.
func knownRlimit(t string) bool {
	switch t {
	case "RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA",
		"RLIMIT_FSIZE", "RLIMIT_LOCKS", "RLIMIT_MEMLOCK",
		"RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE",
		"RLIMIT_NPROC", "RLIMIT_RSS", "RLIMIT_RTPRIO",
		"RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK":
		return true
	}
	return false
}

func knownIOPrioClass(c specs.IOPriorityClass) bool {
	switch c {
	case specs.IOPRIO_CLASS_RT, specs.IOPRIO_CLASS_BE, specs.IOPRIO_CLASS_IDLE:
		return true
	}
	return false
}

func knownSchedPolicy(p specs.LinuxSchedulerPolicy) bool {
	switch p {
	case "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
		"SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE":
		return true
	}
	return false
}

func knownSchedFlag(f specs.LinuxSchedulerFlag) bool {
	switch f {
	case "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",
		"SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY",
		"SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
		"SCHED_FLAG_UTIL_CLAMP_MAX":
		return true
	}
	return false
}

func knownPropagation(p string) bool {
	switch p {
	case "private", "shared", "slave", "unbindable":
		return true
	}
	return false
}

func knownSeccompAction(a specs.LinuxSeccompAction) bool {
	switch a {
	case "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
		"SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",
		"SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY":
		return true
	}
	return false
}

func knownSeccompFlag(f specs.LinuxSeccompFlag) bool {
	switch f {
	case "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
		"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
		"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV":
		return true
	}
	return false
}

func knownSeccompOp(o specs.LinuxSeccompOperator) bool {
	switch o {
	case "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
		"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ":
		return true
	}
	return false
}

func knownSeccompArch(a specs.Arch) bool {
	switch a {
	case "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
		"SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_LOONGARCH64",
		"SCMP_ARCH_M68K", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
		"SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
		"SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
		"SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
		"SCMP_ARCH_SH", "SCMP_ARCH_SHEB", "SCMP_ARCH_PARISC",
		"SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64":
		return true
	}
	return false
}

func knownMemPolicyMode(m specs.MemoryPolicyModeType) bool {
	switch m {
	case specs.MpolDefault, specs.MpolBind, specs.MpolInterleave,
		specs.MpolWeightedInterleave, specs.MpolPreferred,
		specs.MpolPreferredMany, specs.MpolLocal:
		return true
	}
	return false
}

func knownMemPolicyFlag(f specs.MemoryPolicyFlagType) bool {
	switch f {
	case specs.MpolFNumaBalancing, specs.MpolFRelativeNodes, specs.MpolFStaticNodes:
		return true
	}
	return false
}

func knownPersonality(d specs.LinuxPersonalityDomain) bool {
	return d == specs.PerLinux || d == specs.PerLinux32
}
