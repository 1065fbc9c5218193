// Command bench measures ocikit's tools side by side with runc and crun
// on the same busybox bundle, the same cgroup layout and the same host,
// and reports medians, extremes and the ratios ocikit/crun and
// ocikit/runc as a table and as JSON (make bench; docs/performance.md).
//
// Fairness rules the program keeps:
//
//   - Every measurement alternates the runtimes run by run, each round in
//     another of their orders, so that drift of the host (page cache, CPU
//     frequency, a noisy neighbour) is spread evenly, and so that no
//     runtime always follows the same one: the kernel makes the first
//     cgroup migration after an idle spell wait for an RCU grace period,
//     and a runtime that always ran after runc's slow delete would always
//     pay it.
//   - Every runtime gets the same bundle (one read-only busybox root
//     shared by all), the same process (terminal false) and the same
//     linux.cgroupsPath scheme, /ocikit-bench-<pid>/<id>, so the cgroup
//     work each does is comparable. The parent cgroup is created by the
//     runtimes and removed by this program at the end.
//   - The whole program runs in one private mount namespace in which
//     /sys/fs/cgroup/unified is unmounted: crun refuses hybrid hosts
//     otherwise, and all three runtimes must see the same layout. The
//     program re-executes itself into that namespace.
//   - Peak RSS comes from wait4's ru_maxrss through a tiny helper program
//     (bench/rusage) that starts the tool, because a child started with
//     vfork semantics from a large parent inherits the parent's high-water
//     mark at execve; the helper's own floor is measured and reported
//     beside the figures.
//
// Nothing here asserts a time: the unit tests cover only the statistics
// and the parsers.
package main
