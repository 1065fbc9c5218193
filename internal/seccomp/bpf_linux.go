package seccomp

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// Offsets in struct seccomp_data, the input of a filter program.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
	// dataLen is sizeof(struct seccomp_data).
	dataLen = 64
)

// maxInsns is the kernel's limit on the length of one filter (BPF_MAXINSNS).
const maxInsns = 4096

// Data is the input of a filter program: what the kernel knows of a system
// call when it runs the filter.
type Data struct {
	Nr   int32
	Arch uint32
	IP   uint64
	Args [6]uint64
}

func (d *Data) bytes() []byte {
	b := make([]byte, dataLen)
	ne := binary.NativeEndian
	ne.PutUint32(b[offNr:], uint32(d.Nr))
	ne.PutUint32(b[offArch:], d.Arch)
	ne.PutUint64(b[8:], d.IP)
	for i, a := range d.Args {
		ne.PutUint64(b[offArgs+8*i:], a)
	}
	return b
}

func stmt(code uint16, k uint32) unix.SockFilter {
	return unix.SockFilter{Code: code, K: k}
}

func jump(code uint16, k uint32, jt, jf uint8) unix.SockFilter {
	return unix.SockFilter{Code: code, Jt: jt, Jf: jf, K: k}
}

// Eval runs a seccomp filter program on d and returns the SECCOMP_RET_*
// value the kernel would act on. It implements the classic BPF subset the
// kernel accepts for seccomp (loads from seccomp_data, scratch memory,
// ALU, jumps, returns), so the runtime can see what a finished filter does
// with a given call before loading it, and tests can check a filter
// without loading it.
func Eval(prog []unix.SockFilter, d Data) (uint32, error) {
	data := d.bytes()
	var a, x uint32
	var mem [16]uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		k := in.K
		switch in.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			if k%4 != 0 || int(k)+4 > len(data) {
				return 0, fmt.Errorf("bpf: insn %d: load at %d is outside seccomp_data", pc, k)
			}
			a = binary.NativeEndian.Uint32(data[k:])
		case unix.BPF_LD | unix.BPF_W | unix.BPF_LEN:
			a = dataLen
		case unix.BPF_LDX | unix.BPF_W | unix.BPF_LEN:
			x = dataLen
		case unix.BPF_LD | unix.BPF_IMM:
			a = k
		case unix.BPF_LDX | unix.BPF_IMM:
			x = k
		case unix.BPF_LD | unix.BPF_MEM, unix.BPF_LDX | unix.BPF_MEM, unix.BPF_ST, unix.BPF_STX:
			if k >= uint32(len(mem)) {
				return 0, fmt.Errorf("bpf: insn %d: scratch slot %d out of range", pc, k)
			}
			switch in.Code {
			case unix.BPF_LD | unix.BPF_MEM:
				a = mem[k]
			case unix.BPF_LDX | unix.BPF_MEM:
				x = mem[k]
			case unix.BPF_ST:
				mem[k] = a
			default:
				mem[k] = x
			}
		case unix.BPF_MISC | unix.BPF_TAX:
			x = a
		case unix.BPF_MISC | unix.BPF_TXA:
			a = x
		case unix.BPF_RET | unix.BPF_K:
			return k, nil
		case unix.BPF_RET | unix.BPF_A:
			return a, nil
		default:
			switch in.Code & 0x07 {
			case unix.BPF_ALU:
				v, err := alu(in.Code, a, operand(in.Code, k, x))
				if err != nil {
					return 0, fmt.Errorf("bpf: insn %d: %w", pc, err)
				}
				a = v
			case unix.BPF_JMP:
				next, err := jmp(in, a, x)
				if err != nil {
					return 0, fmt.Errorf("bpf: insn %d: %w", pc, err)
				}
				pc += next
			default:
				return 0, fmt.Errorf("bpf: insn %d: unsupported opcode %#x", pc, in.Code)
			}
		}
	}
	return 0, fmt.Errorf("bpf: program ends without a return")
}

func operand(code uint16, k, x uint32) uint32 {
	if code&unix.BPF_X != 0 {
		return x
	}
	return k
}

func alu(code uint16, a, v uint32) (uint32, error) {
	switch code & 0xf0 {
	case unix.BPF_ADD:
		return a + v, nil
	case unix.BPF_SUB:
		return a - v, nil
	case unix.BPF_MUL:
		return a * v, nil
	case unix.BPF_DIV:
		if v == 0 {
			return 0, fmt.Errorf("division by zero")
		}
		return a / v, nil
	case unix.BPF_MOD:
		if v == 0 {
			return 0, fmt.Errorf("division by zero")
		}
		return a % v, nil
	case unix.BPF_AND:
		return a & v, nil
	case unix.BPF_OR:
		return a | v, nil
	case unix.BPF_XOR:
		return a ^ v, nil
	case unix.BPF_LSH:
		return a << (v & 31), nil
	case unix.BPF_RSH:
		return a >> (v & 31), nil
	case unix.BPF_NEG:
		return -a, nil
	}
	return 0, fmt.Errorf("unsupported ALU opcode %#x", code)
}

// jmp returns how many instructions to skip.
func jmp(in unix.SockFilter, a, x uint32) (int, error) {
	if in.Code&0xf0 == unix.BPF_JA {
		return int(in.K), nil
	}
	v := operand(in.Code, in.K, x)
	var ok bool
	switch in.Code & 0xf0 {
	case unix.BPF_JEQ:
		ok = a == v
	case unix.BPF_JGT:
		ok = a > v
	case unix.BPF_JGE:
		ok = a >= v
	case unix.BPF_JSET:
		ok = a&v != 0
	default:
		return 0, fmt.Errorf("unsupported jump opcode %#x", in.Code)
	}
	if ok {
		return int(in.Jt), nil
	}
	return int(in.Jf), nil
}

// ActionOf reduces a SECCOMP_RET_* value to its action bits.
func ActionOf(ret uint32) uint32 {
	return ret & unix.SECCOMP_RET_ACTION_FULL
}
