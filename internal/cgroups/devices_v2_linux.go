package cgroups

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Cgroup v2 has no devices controller: the kernel asks the
// BPF_PROG_TYPE_CGROUP_DEVICE programs attached to the cgroup and to each
// of its ancestors, and a device is allowed only if all of them return 1.
// Building, loading and attaching such a program takes an eBPF library
// (github.com/cilium/ebpf, with its BTF, ELF and feature probing), about
// 1.1 MB of every binary that links it; and on this toolkit's hosts a
// binary's size is its resident memory and much of its start-up time
// (docs/performance.md). Only creating a container sets device rules, so
// the program lives in package devicebpf, which registers itself here:
// oci-start, oci-kill, oci-delete and oci-ps, which import this package
// to find, signal and remove cgroups, never link the library.

// ProgramDevices makes policy the device rules of the cgroup v2 directory
// open as dirFd (dir names it in messages), replacing whatever an earlier
// call put in place there, with no moment in between where neither
// applies. A policy that cannot deny (DevicePolicy.CanDeny) needs no
// program: it only removes the earlier ones.
type ProgramDevices func(dirFd int, dir string, policy *DevicePolicy) error

// programDevices is set once, by an init function, before anything reads
// it.
var programDevices ProgramDevices

// RegisterDeviceProgrammer makes f the way Set puts device rules into
// effect on cgroup v2. Package devicebpf calls it from its init function,
// so a binary gets the means by importing that package, and only the
// binaries that create containers do. Without it Set refuses device
// rules bound for a v2 cgroup, rather than leave the container every
// device. Call it from an init function only.
func RegisterDeviceProgrammer(f ProgramDevices) { programDevices = f }

// errNoProgrammer is Set's answer for device rules on cgroup v2 in a
// binary without package devicebpf.
var errNoProgrammer = errors.New("cgroup v2 device rules need an eBPF program, and this binary cannot build one (it does not link package devicebpf)")

func (hostFiles) canAttach() error {
	if programDevices == nil {
		return errNoProgrammer
	}
	return nil
}

// attach makes policy the device program of the v2 cgroup dir. The
// directory is checked on the open descriptor that the program is then
// attached through, so a path swapped meanwhile cannot put the program
// on anything but a cgroup2 directory.
func (h hostFiles) attach(dir string, policy *DevicePolicy) error {
	if err := h.canAttach(); err != nil {
		return fmt.Errorf("%s: %w", devicesField, err)
	}
	fd, err := openCheckedFd(dir, "", unix.O_RDONLY|unix.O_DIRECTORY, unix.CGROUP2_SUPER_MAGIC)
	if err != nil {
		return fmt.Errorf("%s: %w", devicesField, err)
	}
	defer unix.Close(fd)
	if err := programDevices(fd, dir, policy); err != nil {
		return fmt.Errorf("%s: %w", devicesField, err)
	}
	return nil
}
