package devicebpf

import (
	"fmt"
	"math"

	"github.com/cilium/ebpf/asm"

	"github.com/ocikit/ocikit/internal/cgroups"
)

// The kernel calls a cgroup device program with a struct
// bpf_cgroup_dev_ctx:
//
//	u32 access_type   access bits (BPF_DEVCG_ACC_*) << 16 | device type (BPF_DEVCG_DEV_*)
//	u32 major
//	u32 minor
//
// and allows the access when it returns 1. The access bits are those of
// cgroups.DeviceAccess.
const (
	devcgDevBlock = 1 // BPF_DEVCG_DEV_BLOCK
	devcgDevChar  = 2 // BPF_DEVCG_DEV_CHAR

	// The program's symbol (its name in listings) and the label of its
	// final "no rule decided" block.
	progSymbol   = "ocikit_devices"
	defaultLabel = "no_rule"
)

// program compiles p into a cgroup device program, or returns nil when p
// cannot deny (see DevicePolicy.CanDeny): a program that always allows
// need not be attached.
//
// The program walks the rules from the last to the first, keeping in r2
// the requested accesses no rule has decided yet. A rule that names the
// device and some of those accesses decides them: a deny rule denies the
// request, an allow rule marks them decided and allows the request once
// none is left. What is left after the first rule goes to the default.
// So each access gets the word of the last rule that names it, as on v1.
func program(p *cgroups.DevicePolicy) asm.Instructions {
	if !p.CanDeny() {
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
	rules := p.Rules
	for i := len(rules) - 1; i >= 0; i-- {
		next := defaultLabel
		if i > 0 {
			next = ruleLabel(i - 1)
		}
		block := ruleBlock(rules[i], next)
		verb := map[bool]string{true: "allow ", false: "deny "}[rules[i].Allow]
		block[0] = block[0].WithSymbol(ruleLabel(i)).WithSource(asm.Comment(verb + rules[i].String()))
		insns = append(insns, block...)
	}
	// What no rule decides is the default's; InheritDevices leaves it to
	// the parents' programs, which the kernel runs too, so this one
	// allows.
	var def int32
	if p.Default != cgroups.DenyDevices {
		def = 1
	}
	return append(insns,
		asm.Mov.Imm32(asm.R0, def).WithSymbol(defaultLabel),
		asm.Return(),
	)
}

func ruleLabel(i int) string { return fmt.Sprintf("rule_%d", i) }

// ruleBlock checks one rule, jumping to next when it does not decide.
func ruleBlock(r cgroups.DeviceRule, next string) asm.Instructions {
	kind := int64(devcgDevChar)
	if r.Type == 'b' {
		kind = devcgDevBlock
	}
	insns := asm.Instructions{jumpNotEqual(asm.R3, kind, next)}
	if r.Major != cgroups.AnyNumber {
		insns = append(insns, jumpNotEqual(asm.R4, r.Major, next))
	}
	if r.Minor != cgroups.AnyNumber {
		insns = append(insns, jumpNotEqual(asm.R5, r.Minor, next))
	}
	if r.Access != cgroups.AccessAll {
		// Only the accesses the rule names, of those still undecided.
		insns = append(insns,
			asm.Mov.Reg32(asm.R0, asm.R2),
			asm.And.Imm32(asm.R0, int32(r.Access)),
			asm.JEq.Imm(asm.R0, 0, next),
		)
	}
	switch {
	case !r.Allow:
		return append(insns, asm.Mov.Imm32(asm.R0, 0), asm.Return())
	case r.Access != cgroups.AccessAll:
		insns = append(insns,
			asm.And.Imm32(asm.R2, int32(^uint32(r.Access))),
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
