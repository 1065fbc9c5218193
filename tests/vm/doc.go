// Package vm runs the integration tests of tests/integration inside a
// pure cgroup v2 guest: a Debian cloud kernel booted by qemu (TCG) from an
// initramfs that holds busybox, the ocikit tools and the compiled
// integration test binary, with cgroup2 mounted alone at /sys/fs/cgroup
// and every controller enabled. The guest has no disk: it loads the booted
// kernel's loop.ko and bfq.ko (from /lib/modules/RELEASE, the release read
// from the image's header; left out, with a log line, where absent), so
// the blkio tests can attach loop devices of their own with BFQ, and the
// modules criu's kernel probe needs. It also carries the host's criu,
// GNU tar (criu saves tmpfs files with it), apparmor_parser, util-linux's
// setpriv, script and prlimit, newuidmap and newgidmap (set-user-ID root,
// as installed) and iproute2's ip at their own paths with their shared
// libraries and loader (found through DT_NEEDED; left out, with a log
// line, where absent), with /usr/sbin and /usr/bin first on PATH,
// securityfs mounted and lo up, an /etc with root and nobody and empty
// subuid and subgid files, and podman's default seccomp profile, for the
// checkpoint, AppArmor, rootless, user namespace, terminal, network
// device and seccomp tests. The host this project is developed on is
// hybrid (v1 controllers, an empty unified hierarchy), so the guest is
// where the v2 code paths meet a real kernel.
//
// The test is opt-in: it skips unless OCIKIT_VM=1 (set by `make vm-test`),
// because a TCG boot and the whole integration suite take minutes. It
// also needs root (Debian's /boot/vmlinuz-* are readable by root only),
// qemu-system-x86_64 and a kernel:
//
//	apt-get install -y qemu-system-x86 linux-image-cloud-amd64
//
// Environment:
//
//	OCIKIT_VM=1              run the guest (otherwise the test skips)
//	OCIKIT_BIN=DIR           the statically linked tools (make build)
//	OCIKIT_VM_KERNEL=PATH    the kernel; default the newest /boot/vmlinuz-*-cloud-amd64
//	OCIKIT_VM_TESTFLAGS=...  extra flags for the guest's test binary (-test.run=X -test.short)
//	OCIKIT_VM_TIMEOUT=D      bound on the whole guest run; default 45m
//	OCIKIT_VM_LOG=PATH       where to keep the guest's serial console
//
// Each test the guest runs is reported back to `go test` as a subtest of
// TestGuest named after it, passing, failing (with the guest's output for
// it) or skipping (with the guest's reason) as it did inside the guest.
// The run fails as a whole when the guest's test binary exits non-zero or
// the guest never prints the end marker within the bound.
package vm
