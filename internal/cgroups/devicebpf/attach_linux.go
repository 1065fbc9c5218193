package devicebpf

import (
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/cgroups"
)

func init() { cgroups.RegisterDeviceProgrammer(Replace) }

// Replace makes policy the device rules of the cgroup v2 directory open as
// cgroupFd (dir names it in messages): it loads policy's program and
// attaches it, then detaches the programs attached there before, so that
// until the new one is in place the old ones apply. A policy that cannot
// deny gets no program; the old ones still go. The caller has checked that
// cgroupFd is a cgroup2 directory.
//
// The attachment is made with BPF_PROG_ATTACH, not a bpf_link: it keeps
// the program alive as long as the cgroup exists, with no pinned file or
// open descriptor after the runtime exits. BPF_F_ALLOW_MULTI lets the
// container's own cgroups attach programs below it (the kernel runs them
// all and every one must allow), and lets this one be added below a
// parent's multi-attached program (systemd's).
func Replace(cgroupFd int, dir string, policy *cgroups.DevicePolicy) error {
	old, err := link.QueryPrograms(link.QueryOptions{Target: cgroupFd, Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		return fmt.Errorf("list the device programs of %q: %w", dir, err)
	}
	if insns := program(policy); insns != nil {
		if err := attachNew(cgroupFd, dir, insns); err != nil {
			return err
		}
	}
	// Only now the old ones go: until here both applied, each denying
	// what it denies, so there was no moment without rules.
	var errs []error
	for _, p := range old.Programs {
		if err := detach(cgroupFd, p.ID); err != nil {
			errs = append(errs, fmt.Errorf("detach the earlier device program %d from %q: %w", p.ID, dir, err))
		}
	}
	return errors.Join(errs...)
}

func attachNew(cgroupFd int, dir string, insns asm.Instructions) error {
	// The rule comments are for listings: loaded, they would ask for the
	// BTF line information that goes with source lines.
	insns = slices.Clone(insns)
	for i := range insns {
		insns[i] = insns[i].WithSource(nil)
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:         progSymbol,
		Type:         ebpf.CGroupDevice,
		Instructions: insns,
		// The program calls no kernel helper, GPL-only or other: the
		// license string is only declared.
		License: "Apache-2.0",
	})
	if err != nil {
		return fmt.Errorf("load the device program for %q: %w", dir, err)
	}
	// The attachment holds its own reference to the program.
	defer prog.Close()
	err = link.RawAttachProgram(link.RawAttachProgramOptions{
		Target: cgroupFd, Program: prog, Attach: ebpf.AttachCGroupDevice, Flags: unix.BPF_F_ALLOW_MULTI,
	})
	if err != nil {
		return fmt.Errorf("attach the device program to %q: %w", dir, err)
	}
	return nil
}

func detach(cgroupFd int, id ebpf.ProgramID) error {
	p, err := ebpf.NewProgramFromID(id)
	if errors.Is(err, os.ErrNotExist) {
		return nil // gone meanwhile
	}
	if err != nil {
		return err
	}
	defer p.Close()
	return link.RawDetachProgram(link.RawDetachProgramOptions{Target: cgroupFd, Program: p, Attach: ebpf.AttachCGroupDevice})
}
