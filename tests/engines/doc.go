// Package engines runs real container engines — podman (through conmon)
// and containerd (through ctr and the runc v2 shim) — on top of a
// runc-compatible runtime and checks what the containers do: their output
// and exit statuses, exec, stop and kill, terminals, memory and pids
// limits, read-only root filesystems, and that every container leaves no
// process, cgroup or runtime state behind.
//
// The runtime under test is $OCIKIT_ENGINE_RUNTIME, by default
// <repository>/bin/oci-runtime; pointing it at /usr/sbin/runc proves the
// tests themselves. The tests need root, /bin/busybox and the engines
// (tests/engines/install-deps.sh installs them on Debian 12), and skip with
// a message when one is missing, and under -short.
//
// Everything the engines keep lives in one temporary directory: podman gets
// its own --root, --runroot, --tmpdir, containers.conf, file locks and
// network configuration directory; containerd is started by the tests with
// its own root, state, socket and a generated config.toml with CRI and the
// unused snapshotters disabled, and is stopped at the end. The containers'
// cgroups go under a cgroup of the tests' own, /ocikit-e2e-<pid>-<random>
// in every hierarchy, which is removed at the end; no other cgroup is
// written. docs/engines.md says how to configure each engine for
// oci-runtime and which of those configurations these tests exercise.
package engines
