// Package containerinit is the Go side of a container's init process: the
// runtime binary re-executed with the bootstrap socket in its environment
// (see package nsenter, whose constructor has already put it into the
// container's namespaces). It reads its Config from the socket, builds the
// root filesystem, sets the hostname, sysctls and terminal, turns itself
// into the user's process (credentials, capabilities, rlimits), reports
// "ready", and then waits on the start socket: the first connection that
// says "start" makes it run the startContainer hooks and exec the user's
// program. The accepted connection is close-on-exec, so oci-start reads
// EOF exactly when the exec happened, or an error when it failed.
//
// Hooks: right before pivot_root the init asks oci-create to run the
// prestart and createRuntime hooks (in the runtime's namespaces) and then
// runs the createContainer hooks itself; their output goes to the
// runtime's log as log records on the init's socket.
//
// Seccomp: the spec's filter is compiled before anything is set up (a
// profile the runtime cannot honour fails the create with nothing to
// undo) and loaded as late as the kernel allows: right before execve with
// no_new_privs (or CAP_SYS_ADMIN kept), otherwise just before the
// capabilities are dropped. The runtime's own checks (fds close-on-exec,
// the cwd check) run before it, so a profile cannot make them fail.
//
// Without a mount namespace of its own (the spec lists none) the init only
// chroots into the root filesystem, as runc does: anything it mounted
// would land in the host's namespace.
package containerinit
