// Package waiter is the container's init while it waits to be started:
// a C constructor (waiter.c) of the runtime's own binary that runs instead
// of the Go runtime.
//
// Between create and start the init has nothing left to do but wait for
// the start request and exec. A Go runtime waiting there costs about 8 MB
// resident (the whole binary is faulted in at start-up) and five threads,
// for as long as the container stays created, and its memory is charged to
// the container's cgroup. So once the Go init has set everything up
// (mounts, pivot_root, credentials, capabilities, no_new_privs, cwd), it
// execs this binary again by fd (execveat, AT_EMPTY_PATH: the root is the
// container's by then) with the environment variable initproto.EnvWait and
// a sealed memfd holding an initproto.WaitRequest: the program's path,
// arguments and environment, and the seccomp filter when it is still to be
// loaded. The constructor takes over before the Go runtime would start, so
// the process is one thread and about 1 MB:
//
//  1. it makes itself non-dumpable (its executable is the runtime binary,
//     sealed by the launcher, which no process of the container may
//     reach through /proc/PID/exe anyway) and reads the request. The Go init has said ready
//     before the exec, so the exec is off the runtime's clock: a start
//     request meanwhile waits in the socket's backlog (and should the exec
//     fail, the Go init waits itself);
//  2. it accepts connections on the start socket until one sends
//     initproto.StartRequest; the connection is close-on-exec, so the
//     runtime reads EOF exactly when the exec happened;
//  3. it loads the seccomp filter, when there is one, and execs the
//     program, or sends the error as an initproto.Reply and exits.
//
// SIGHUP, SIGINT, SIGQUIT, SIGABRT and SIGTERM end the waiting init, as
// they end a Go program; in a pid namespace of its own it exits 128+signal.
//
// The exec into the waiter changes nothing the program will see:
// credentials, capabilities (execve's transformation of the capability
// sets, for a program without file capabilities, gives the same sets when
// applied twice), no_new_privs, umask, cwd, rlimits (RLIMIT_NOFILE is put
// back first: see OrigNofile), the signal mask and the stdio fds all carry
// over. The Go init keeps waiting itself when something must still run in
// Go after the start (startContainer hooks), or when a seccomp filter
// loaded before the credentials changed (no no_new_privs, no
// CAP_SYS_ADMIN) does not allow every system call of the hand-over and
// the waiter: those would run under it (see containerinit's waiterCalls).
package waiter
