// Package nsenter joins and creates a container's namespaces in its init
// process before the Go runtime starts.
//
// The kernel refuses setns(CLONE_NEWUSER) from a multithreaded process and
// setns(CLONE_NEWNS) from a thread that shares its fs_struct, and a Go
// program is multithreaded from its first instruction. So the init's
// namespace work is done by a C constructor (nsenter.c) that runs before
// the Go runtime, single-threaded, and only when the process was started
// as a container init (the environment variable named by EnvInit holds the
// bootstrap socket's fd number). Any binary that creates containers links
// this package with a blank import.
//
// The constructor reads one bootstrap message (Bootstrap.Encode), joins
// the container's v1 cgroups by writing "0" to each tasks fd it lists (a
// thread moving itself skips the kernel's global migration lock; the v2
// cgroup was joined at clone3), joins the namespaces given as fds (the
// user namespace first), unshares a new user namespace and waits for the
// parent to write its id maps, unshares the other new namespaces, writes
// time namespace offsets, makes itself non-dumpable (so the child is, from
// its first instruction in the container's pid namespace), and forks with
// CLONE_PARENT: the child, already in the new pid namespace, returns into
// Go as the container's init, and is a child of the runtime process (so
// oci-run can wait for it); the intermediate process reports the child's
// pid and exits.
package nsenter
