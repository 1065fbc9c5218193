# The integration tests inside a pure cgroup v2 guest (tests/vm): a
# Debian cloud kernel under qemu (TCG, no KVM needed) booted from an
# initramfs holding busybox, bin/ and the compiled tests/integration;
# each guest test comes back as a subtest of TestGuest.
#
#   apt-get install -y qemu-system-x86 linux-image-cloud-amd64   # once; needs root to run
#   make vm-test
#   make vm-test VM_TESTFLAGS='-test.run=^TestPause -test.short'
#   make vm-test VM_KERNEL=/boot/vmlinuz-6.1.0-56-cloud-amd64
#   make vm-test VM_SYSTEMD_ROOTFS=debian.tar VM_TESTFLAGS='-test.run=^TestSystemdBoot'
#     (a root filesystem with systemd, e.g. from debootstrap --variant=minbase
#     --include=systemd,systemd-sysv,dbus bookworm DIR; tar -C DIR -cf debian.tar .)
#
# The guest's serial console is kept in bin/vm-test.log. Not run by
# `make test` (tests/vm skips without OCIKIT_VM=1); .ci/run runs it last.

VM_ROOT      := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
VM_TESTFLAGS ?=
VM_KERNEL    ?=
VM_SYSTEMD_ROOTFS ?=
VM_TIMEOUT   ?= 45m
VM_LOG       ?= $(VM_ROOT)/bin/vm-test.log

.PHONY: vm-test

# go test's own -timeout is the guest's bound plus room to report.
vm-test: build
	cd $(VM_ROOT) && OCIKIT_VM=1 OCIKIT_BIN=$(VM_ROOT)/bin \
		OCIKIT_VM_TESTFLAGS='$(VM_TESTFLAGS)' OCIKIT_VM_KERNEL='$(VM_KERNEL)' \
		OCIKIT_VM_SYSTEMD_ROOTFS='$(VM_SYSTEMD_ROOTFS)' \
		OCIKIT_VM_TIMEOUT=$(VM_TIMEOUT) OCIKIT_VM_LOG=$(VM_LOG) \
		$(GO) test -count=1 -v -timeout 2h ./tests/vm/
