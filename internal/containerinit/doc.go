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
package containerinit
