// Package suite runs the OCI runtime-tools validation programs against a
// runtime and judges each program's outcome.
//
// The programs find the runtime through the RUNTIME environment variable
// and call it with runc's command line (create --bundle B [--pid-file F]
// ID, start, state, kill, delete). They expect their working directory to
// hold the runtimetest program and the busybox root filesystem archive
// rootfs-<GOARCH>.tar.gz, and they make bundles under TMPDIR.
//
// Each program runs with a timeout, in its own process group and its own
// private mount namespace, with its own TMPDIR. The runtime is reached
// through a generated wrapper script that adds a private --root, so after
// each program the runner can find and force-delete every container the
// program left behind, remove the cgroups the suite's fixed cgroup paths
// made, and remove the program's bundles. A hanging or misbehaving runtime
// therefore costs one program its timeout and cannot stall or pollute the
// rest of the run.
package suite
