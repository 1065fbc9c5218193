package devicebpf

import (
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/ocikit/ocikit/internal/cgroups"
)

// runProgram interprets the instructions a device program is made of,
// for a request of accesses acc to device typ major:minor, and returns
// its verdict. It knows just the instructions program emits, and fails
// the test on any other.
func runProgram(t *testing.T, insns asm.Instructions, typ byte, major, minor int64, acc cgroups.DeviceAccess) uint64 {
	t.Helper()
	labels, err := insns.SymbolOffsets()
	if err != nil {
		t.Fatal(err)
	}
	dev := uint64(devcgDevChar)
	if typ == 'b' {
		dev = devcgDevBlock
	}
	ctx := [3]uint64{uint64(acc)<<16 | dev, uint64(uint32(major)), uint64(uint32(minor))}
	var reg [11]uint64
	for pc, steps := 0, 0; ; steps++ {
		if pc < 0 || pc >= len(insns) || steps > 10000 {
			t.Fatalf("program ran off at %d\n%v", pc, insns)
		}
		ins := insns[pc]
		op := ins.OpCode
		src := uint64(ins.Constant)
		if op.Source() == asm.RegSource {
			src = reg[ins.Src]
		}
		pc++
		switch op.Class() {
		case asm.LdXClass:
			if op.Mode() != asm.MemMode || op.Size() != asm.Word || ins.Src != asm.R1 || ins.Offset%4 != 0 || ins.Offset > 8 {
				t.Fatalf("unexpected load %v", ins)
			}
			reg[ins.Dst] = ctx[ins.Offset/4]
		case asm.ALUClass:
			d := uint32(reg[ins.Dst])
			switch op.ALUOp() {
			case asm.Mov:
				d = uint32(src)
			case asm.And:
				d &= uint32(src)
			case asm.RSh:
				d >>= uint32(src)
			default:
				t.Fatalf("unexpected ALU op %v", ins)
			}
			reg[ins.Dst] = uint64(d)
		case asm.JumpClass, asm.Jump32Class:
			if op.JumpOp() == asm.Exit {
				return reg[asm.R0]
			}
			a, b := reg[ins.Dst], src
			if op.Class() == asm.Jump32Class {
				a, b = uint64(uint32(a)), uint64(uint32(b))
			}
			var taken bool
			switch op.JumpOp() {
			case asm.JEq:
				taken = a == b
			case asm.JNE:
				taken = a != b
			default:
				t.Fatalf("unexpected jump %v", ins)
			}
			if taken {
				to, ok := labels[ins.Reference()]
				if !ok || to < pc {
					t.Fatalf("jump to %q: not a later label", ins.Reference())
				}
				pc = to
			}
		default:
			t.Fatalf("unexpected instruction %v", ins)
		}
	}
}
