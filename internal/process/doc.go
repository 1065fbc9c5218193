// Package process turns the container's init into the user's process: it
// applies, on the one OS thread that will call execve, the spec's rlimits,
// oomScoreAdj, scheduler, ioPriority, umask, noNewPrivileges, user and
// groups, capabilities (all five sets) and cwd, marks every file
// descriptor that must not leak close-on-exec, finds the program in the
// container's PATH, and execs.
//
// Setup applies a whole specs.Process in runc's order; the steps it is
// made of (SetRlimits, SetOOMScoreAdj, SetScheduler, SetIOPriority,
// SetUmask, SetNoNewPrivileges, DropBounding, SetUser, SetCapabilities,
// SetCredentials, SetCwd) are exported for a process that joins an
// existing container. SetAffinity and ParseCPUList serve the runtime's
// side of execCPUAffinity, which binds the exec'd process from outside.
// SetPersonality, SetMemoryPolicy and SetExecLabel apply what the program
// inherits through execve besides its credentials (linux.personality,
// linux.memoryPolicy, the AppArmor or SELinux label of the exec); the
// caller applies them before Setup, while it still has its privileges.
//
// After pivot_root the path /proc is the container's, shaped by the image
// and the spec, so this package never reads or writes a /proc file by
// path there: LastCap asks the kernel (PR_CAPBSET_READ), and the
// oom_score_adj write, the exec label write, the setgroups read and the
// close-on-exec fallback go through ProcFS, a verified procfs root whose files are opened with
// openat2 crossing no mount and no symlink. containerinit writes the
// sysctls through it too.
//
// Credentials and capabilities are per thread in Linux; Go's own Setuid
// changes every thread and is refused in cgo binaries, so this package uses
// raw per-thread system calls, and its caller must lock the goroutine to
// its OS thread (runtime.LockOSThread) before Setup and call Exec from it.
// After execve only that thread survives, with exactly these credentials.
package process
