// Package process turns the container's init into the user's process: it
// applies, on the one OS thread that will call execve, the spec's rlimits,
// noNewPrivileges, umask, user and groups, capabilities (all five sets)
// and cwd, closes every file descriptor that must not leak, and execs.
//
// Credentials and capabilities are per thread in Linux; Go's own Setuid
// changes every thread and is refused in cgo binaries, so this package uses
// raw per-thread system calls on a thread locked with runtime.LockOSThread.
// After execve only that thread survives, with exactly these credentials.
package process
