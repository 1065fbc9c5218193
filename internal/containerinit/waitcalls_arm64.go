package containerinit

import "golang.org/x/sys/unix"

// waiterCalls are the system calls from the hand-over to the waiter to
// the program's execve on arm64 (amd64's list, in arm64's names), and
// those of the waiter's error and signal paths.
var waiterCalls = []sysCall{
	{"memfd_create", unix.SYS_MEMFD_CREATE}, {"write", unix.SYS_WRITE}, {"fcntl", unix.SYS_FCNTL},
	{"prlimit64", unix.SYS_PRLIMIT64}, {"execveat", unix.SYS_EXECVEAT}, {"close", unix.SYS_CLOSE},
	{"brk", unix.SYS_BRK}, {"set_tid_address", unix.SYS_SET_TID_ADDRESS},
	{"set_robust_list", unix.SYS_SET_ROBUST_LIST}, {"rseq", unix.SYS_RSEQ}, {"readlinkat", unix.SYS_READLINKAT},
	{"getrandom", unix.SYS_GETRANDOM}, {"mprotect", unix.SYS_MPROTECT}, {"prctl", unix.SYS_PRCTL},
	{"newfstatat", unix.SYS_NEWFSTATAT}, {"fstat", unix.SYS_FSTAT}, {"pread64", unix.SYS_PREAD64},
	{"rt_sigaction", unix.SYS_RT_SIGACTION}, {"rt_sigprocmask", unix.SYS_RT_SIGPROCMASK},
	{"sendto", unix.SYS_SENDTO}, {"accept4", unix.SYS_ACCEPT4}, {"read", unix.SYS_READ},
	{"getpid", unix.SYS_GETPID}, {"gettid", unix.SYS_GETTID}, {"tgkill", unix.SYS_TGKILL},
	{"exit_group", unix.SYS_EXIT_GROUP}, {"execve", unix.SYS_EXECVE},
}
