// Command rusage is the benchmark's peak-RSS helper: it starts the command
// given as its arguments, waits for it with wait4 and appends the child's
// ru_maxrss and CPU time to stderr as one line,
//
//	rusage-helper: maxrss_kb=N cpu_ns=N
//
// and exits with the child's status.
//
// It exists because a child inherits its parent's high-water RSS at
// execve when it was started with vfork semantics, as Go starts every
// child: measured straight from the benchmark, each tool would report at
// least the benchmark's own peak. This program is kept tiny (the standard
// library's syscall and fmt only) so the floor it adds is as low as a Go
// program's can be; the benchmark measures that floor and reports it.
package main
