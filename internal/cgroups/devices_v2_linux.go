package cgroups

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// Cgroup v2 has no devices controller: the kernel asks the
// BPF_PROG_TYPE_CGROUP_DEVICE programs attached to the cgroup and to each
// of its ancestors, and a device is allowed only if all of them return 1.
// The program gets a struct bpf_cgroup_dev_ctx:
//
//	u32 access_type   access bits (BPF_DEVCG_ACC_*) << 16 | device type (BPF_DEVCG_DEV_*)
//	u32 major
//	u32 minor
const (
	devcgDevBlock = 1 // BPF_DEVCG_DEV_BLOCK
	devcgDevChar  = 2 // BPF_DEVCG_DEV_CHAR

	// The program's symbol (its name in listings) and the label of its
	// final "no rule decided" block.
	progSymbol   = "ocikit_devices"
	defaultLabel = "no_rule"
)

// program compiles p into a cgroup device program, or returns nil when
// the program would allow everything (the plan's base allows, or defers
// to the parent cgroups, and no rule denies): a program that cannot deny
// need not be attached.
//
// The program walks the rules from the last to the first, keeping in r2
// the requested accesses no rule has decided yet. A rule that names the
// device and some of those accesses decides them: a deny rule denies the
// request, an allow rule marks them decided and allows the request once
// none is left. What is left after the first rule goes to the base. So
// each access gets the word of the last rule that names it, as on v1.
func (p *devicePlan) program() asm.Instructions {
	rules := p.rules()
	canDeny := p.base == denyBase
	for _, r := range rules {
		canDeny = canDeny || !r.allow
	}
	if !canDeny {
		return nil
	}
	insns := asm.Instructions{
		asm.LoadMem(asm.R2, asm.R1, 0, asm.Word).WithSymbol(progSymbol), // access_type
		asm.LoadMem(asm.R4, asm.R1, 4, asm.Word),                        // major
		asm.LoadMem(asm.R5, asm.R1, 8, asm.Word),                        // minor
		asm.Mov.Reg32(asm.R3, asm.R2),
		asm.And.Imm32(asm.R3, 0xffff), // r3: the device type
		asm.RSh.Imm32(asm.R2, 16),     // r2: the accesses requested
		asm.JEq.Imm(asm.R2, 0, defaultLabel),
	}
	for i := len(rules) - 1; i >= 0; i-- {
		next := defaultLabel
		if i > 0 {
			next = ruleLabel(i - 1)
		}
		block := ruleBlock(rules[i], next)
		verb := map[bool]string{true: "allow ", false: "deny "}[rules[i].allow]
		block[0] = block[0].WithSymbol(ruleLabel(i)).WithSource(asm.Comment(verb + rules[i].String()))
		insns = append(insns, block...)
	}
	var def int32
	if p.base != denyBase {
		def = 1
	}
	return append(insns,
		asm.Mov.Imm32(asm.R0, def).WithSymbol(defaultLabel),
		asm.Return(),
	)
}

func ruleLabel(i int) string { return fmt.Sprintf("rule_%d", i) }

// ruleBlock checks one rule, jumping to next when it does not decide.
func ruleBlock(r devRule, next string) asm.Instructions {
	kind := int64(devcgDevChar)
	if r.kind == 'b' {
		kind = devcgDevBlock
	}
	insns := asm.Instructions{jumpNotEqual(asm.R3, kind, next)}
	if r.major != anyNum {
		insns = append(insns, jumpNotEqual(asm.R4, r.major, next))
	}
	if r.minor != anyNum {
		insns = append(insns, jumpNotEqual(asm.R5, r.minor, next))
	}
	if r.acc != accAll {
		// Only the accesses the rule names, of those still undecided.
		insns = append(insns,
			asm.Mov.Reg32(asm.R0, asm.R2),
			asm.And.Imm32(asm.R0, int32(r.acc)),
			asm.JEq.Imm(asm.R0, 0, next),
		)
	}
	switch {
	case !r.allow:
		return append(insns, asm.Mov.Imm32(asm.R0, 0), asm.Return())
	case r.acc != accAll:
		insns = append(insns,
			asm.And.Imm32(asm.R2, int32(^uint32(r.acc))),
			asm.JNE.Imm(asm.R2, 0, next),
		)
	}
	return append(insns, asm.Mov.Imm32(asm.R0, 1), asm.Return())
}

// jumpNotEqual compares a register holding a u32 (zero-extended) with n.
// A 64-bit compare sign-extends its immediate, so numbers past MaxInt32
// need the 32-bit compare (Linux 5.1); device numbers that large do not
// occur in practice, and smaller ones keep the program loadable on older
// kernels.
func jumpNotEqual(reg asm.Register, n int64, label string) asm.Instruction {
	if n > math.MaxInt32 {
		return asm.JNE.Imm32(reg, int32(uint32(n)), label)
	}
	return asm.JNE.Imm(reg, int32(n), label)
}

// attach loads the device program and attaches it to the v2 cgroup dir,
// replacing the programs an earlier Set attached there; nil insns only
// detach those.
//
// The attachment is made with BPF_PROG_ATTACH, not a bpf_link: it keeps
// the program alive as long as the cgroup exists, with no pinned file or
// open descriptor after the runtime exits. BPF_F_ALLOW_MULTI lets the
// container's own cgroups attach programs below it (the kernel runs them
// all and every one must allow), and lets this one be added below a
// parent's multi-attached program (systemd's).
func (hostFiles) attach(dir string, insns asm.Instructions) error {
	d, err := os.OpenFile(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("%s: open %q: %w", devicesField, dir, bare(err))
	}
	defer d.Close()
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(d.Fd()), &st); err != nil {
		return fmt.Errorf("%s: statfs %q: %w", devicesField, dir, err)
	}
	if st.Type != unix.CGROUP2_SUPER_MAGIC {
		return fmt.Errorf("%s: %q is not a cgroup v2 directory", devicesField, dir)
	}
	fd := int(d.Fd())
	old, err := link.QueryPrograms(link.QueryOptions{Target: fd, Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		return fmt.Errorf("%s: list the device programs of %q: %w", devicesField, dir, err)
	}
	if insns != nil {
		if err := attachNew(fd, dir, insns); err != nil {
			return err
		}
	}
	// Only now the old ones go: until here both applied, each denying
	// what it denies, so there was no moment without rules.
	var errs []error
	for _, p := range old.Programs {
		if err := detach(fd, p.ID); err != nil {
			errs = append(errs, fmt.Errorf("%s: detach the earlier device program %d from %q: %w", devicesField, p.ID, dir, err))
		}
	}
	return errors.Join(errs...)
}

func attachNew(cgroup int, dir string, insns asm.Instructions) error {
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
		return fmt.Errorf("%s: load the device program for %q: %w", devicesField, dir, err)
	}
	// The attachment holds its own reference to the program.
	defer prog.Close()
	err = link.RawAttachProgram(link.RawAttachProgramOptions{
		Target: cgroup, Program: prog, Attach: ebpf.AttachCGroupDevice, Flags: unix.BPF_F_ALLOW_MULTI,
	})
	if err != nil {
		return fmt.Errorf("%s: attach the device program to %q: %w", devicesField, dir, err)
	}
	return nil
}

func detach(cgroup int, id ebpf.ProgramID) error {
	p, err := ebpf.NewProgramFromID(id)
	if errors.Is(err, os.ErrNotExist) {
		return nil // gone meanwhile
	}
	if err != nil {
		return err
	}
	defer p.Close()
	return link.RawDetachProgram(link.RawDetachProgramOptions{Target: cgroup, Program: p, Attach: ebpf.AttachCGroupDevice})
}
