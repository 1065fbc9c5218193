// Package cli holds the command-line conventions every ocikit tool shares:
// the global flags (--root, --log, --log-format, --debug, --version), the
// exit statuses (0 success, 1 failure, 2 usage error), the one-line error
// format, and reading container IDs from arguments or from stdin so tools
// chain in pipelines.
//
// A tool's main is one call to Main; the command's Run method receives an
// *Env holding its streams and logger, so tests drive a tool without a
// process and nothing is global.
//
// # Start-up
//
// A tool's whole run is often shorter than a Go program's start, so every
// main package sets, by //go:debug directives, containermaxprocs=0 and
// updatemaxprocs=0: the Go runtime then takes GOMAXPROCS from the CPUs the
// process may run on, and does not read /proc/self/cgroup,
// /proc/self/mountinfo (as long as the host's mount table: thousands of
// lines on a busy host) and the cgroup's CPU limit at every start, nor
// again while it runs. A tool keeps a goroutine or two busy at most, so the
// limit would change what it costs, not what it does. The container's init
// is the same binary, so it too starts without reading them.
package cli
