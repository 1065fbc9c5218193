// Package cgroups places a container's processes in a cgroup of its own and
// removes it again, on cgroup v1, v2 and hybrid hosts.
//
// New discovers the mounted hierarchies from /proc/self/mountinfo and works
// out the container's directory in each from linux.cgroupsPath: an
// absolute path is taken from the hierarchy's root, a relative or empty one
// ("ocikit-<id>") from the caller's own cgroup in /proc/self/cgroup.
// systemd "slice:prefix:name" paths are refused, as are paths that climb
// out with "..", and cgroups that would hold the runtime itself.
//
// Create makes the directories and remembers exactly which ones it made;
// Destroy removes only those (with any child cgroups the container made in
// its own cgroup). A cgroup the user prepared is joined, never removed;
// the host's other cgroups are only ever parents of the container's.
// Paths loaded from a state file are checked to lie on a cgroup file
// system before anything is written or removed there. A rootless runtime
// that may not create cgroups runs the container without one, after one
// warning.
//
// Apply moves a process in, Pids lists the processes, Signal signals them
// (freezing the cgroup around a SIGKILL so nothing forks away). State and
// Load carry a Manager from oci-create to the later tools through the
// container's state file.
//
// OpenSelfJoin is the cheaper way in for a process about to start: it
// opens the v1 cgroups' tasks files, for the process to write "0" to
// (a thread moving itself skips the kernel's global migration lock and
// its RCU wait), and the v2 cgroup's directory, to start the process in
// with clone3(CLONE_INTO_CGROUP). What it cannot prepare, or a clone the
// kernel refuses, is left to ApplyRest, which does what Apply does.
//
// Set applies every field of linux.resources: memory (limit, reservation,
// swap, swappiness, disableOOMKiller, useHierarchy, kernelTCP where v1 has
// the file), pids, cpu (shares, quota, period, burst, idle, realtime
// runtime and period), cpuset (cpus, mems), blockIO (weights, leaf weights,
// throttles; BFQ's files where the kernel has only those), hugepageLimits
// (with the reservation limits), network (v1 net_cls and net_prio), rdma
// and the raw v2 keys of unified. Each controller's limits go to the
// hierarchy that carries it: its v1 hierarchy on a v1 or hybrid host, else
// the unified one, with the values converted for v2 (shares to cpu.weight,
// memory+swap to memory.swap.max, blkio weights to io.weight, -1 to "max").
// docs/cgroups.md has the table of fields, files and conversions. Set
// writes only into cgroups Create made, and on v2 enables controllers only
// in those. A value a host cannot apply (a v1-only field bound for v2, a
// file this kernel lacks, a controller no hierarchy has) is an error that
// names the field, found before anything is written; memory.kernel alone
// is ignored, as the spec allows (kernels since 6.x take the write and
// ignore it).
//
// Set also applies the device rules: linux.resources.devices, with the
// devices every container needs (/dev/null, zero, full, random, urandom,
// tty, ptmx, the pseudo-terminals and tun) and those of linux.devices
// allowed after the spec's last "deny all" (devices_linux.go tells the
// semantics and why). On v1 they go to devices.deny and devices.allow,
// in the order that makes devices.list show the spec's rules first, and the
// list is read back; rules v1 cannot express (a deny carved out of an
// allowed wildcard) are refused. On v2 they become a DevicePolicy that
// package devicebpf compiles into a BPF_PROG_TYPE_CGROUP_DEVICE program
// and attaches to the container's cgroup, where it lives as long as the
// cgroup. That package registers itself (RegisterDeviceProgrammer) so that
// only the binaries that create containers link the eBPF library; Set in
// a binary without it refuses device rules bound for a v2 cgroup. A spec
// without rules leaves the cgroup's as created; a cgroup the user
// prepared and a rootless runtime are left alone.
//
// Control files are read and written on bare descriptors, not *os.File:
// an *os.File costs an fcntl and an epoll_ctl each, and the first one sets
// up the Go runtime's poller, which oci-delete and oci-kill have no other
// use for.
package cgroups
