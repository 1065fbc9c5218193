// Package hooks runs the OCI hooks of a container's spec: prestart
// (deprecated), createRuntime, createContainer, startContainer, poststart
// and poststop.
//
// A hook is a program started with exactly the argv and environment the
// spec gives it (none inherited from the runtime), the container's state
// as JSON on its standard input, and its standard output and error passed
// line by line to the caller's logger, never to the tool's own output. A
// hook with a timeout is killed when it runs out, with every process of
// its process group, and counts as failed.
//
// The package only runs programs; where and when each kind runs (in the
// runtime, or in the container's init before or after pivot_root) is the
// lifecycle's business: see internal/container and internal/containerinit.
package hooks
