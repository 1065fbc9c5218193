// Package seccomp turns the spec's linux.seccomp into a seccomp filter
// program and loads it on the calling thread.
//
// The work is split in two packages so that only the tools which carry the
// container init link libseccomp (cgo, static):
//
//   - this package is plain Go. It validates the spec and translates it into
//     a Profile of rules (Compile), knows the action, operator, architecture
//     and flag names (for `features`), builds the ENOSYS stub that is put in
//     front of a filter, evaluates a filter program in user space (Eval),
//     and loads a finished Program with seccomp(2).
//   - package seccomp/libseccomp resolves the syscall names and compiles a
//     Profile into BPF with libseccomp. Only package containerinit imports
//     it; everything else (internal/spec, internal/commands, the tools built
//     with CGO_ENABLED=0) may import this package alone.
//
// A profile with SCMP_ACT_NOTIFY rules compiles into a Program with Notify
// set, loaded with LoadListener: the kernel then returns a listener fd,
// which the container process sends the runtime (ListenerReply) and the
// runtime hands to the process at linux.seccomp.listenerPath.
//
// ocikit sets no_new_privs itself, as the spec's process.noNewPrivileges
// says; a filter never sets it. Without no_new_privs, loading a filter
// needs CAP_SYS_ADMIN, so the caller loads it before dropping capabilities.
package seccomp
