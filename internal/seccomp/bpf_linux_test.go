package seccomp

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestEval(t *testing.T) {
	const (
		ld  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		ret = unix.BPF_RET | unix.BPF_K
	)
	// Returns ERRNO(arg0 & 0xff) when the high word of arg1 is 7 and
	// arg0's bit 4 is set, else ALLOW; it goes through scratch memory,
	// X and the ALU on the way.
	prog := []unix.SockFilter{
		stmt(ld, offArgs+8+4), // arg1, high word (little endian)
		jump(unix.BPF_JMP|unix.BPF_JEQ|unix.BPF_K, 7, 0, 10),
		stmt(ld, offArgs), // arg0 low
		jump(unix.BPF_JMP|unix.BPF_JSET|unix.BPF_K, 0x10, 0, 8),
		stmt(unix.BPF_ALU|unix.BPF_AND|unix.BPF_K, 0xff),
		stmt(unix.BPF_ST, 3),
		stmt(unix.BPF_LDX|unix.BPF_IMM, unix.SECCOMP_RET_ERRNO),
		stmt(unix.BPF_LD|unix.BPF_MEM, 3),
		stmt(unix.BPF_ALU|unix.BPF_OR|unix.BPF_X, 0),
		stmt(unix.BPF_MISC|unix.BPF_TAX, 0),
		stmt(unix.BPF_MISC|unix.BPF_TXA, 0),
		stmt(unix.BPF_RET|unix.BPF_A, 0),
		stmt(ret, unix.SECCOMP_RET_ALLOW),
	}
	if nativeLittle() {
		cases := []struct {
			args [6]uint64
			want uint32
		}{
			{[6]uint64{0x1234, 7 << 32}, unix.SECCOMP_RET_ERRNO | 0x34},
			{[6]uint64{0x1204, 7 << 32}, unix.SECCOMP_RET_ALLOW},
			{[6]uint64{0x1234, 7}, unix.SECCOMP_RET_ALLOW},
		}
		for _, c := range cases {
			got, err := Eval(prog, Data{Args: c.args})
			if err != nil || got != c.want {
				t.Errorf("args %#x: %#x, %v; want %#x", c.args[:2], got, err, c.want)
			}
		}
	}
	bad := map[string][]unix.SockFilter{
		"outside seccomp_data": {stmt(ld, 64), stmt(ret, 0)},
		"without a return":     {stmt(ld, 0)},
		"unsupported opcode":   {stmt(unix.BPF_LD|unix.BPF_B|unix.BPF_IND, 0), stmt(ret, 0)},
		"division by zero":     {stmt(unix.BPF_ALU|unix.BPF_DIV|unix.BPF_K, 0), stmt(ret, 0)},
	}
	for want, p := range bad {
		if _, err := Eval(p, Data{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
}

func nativeLittle() bool {
	d := Data{Args: [6]uint64{1}}
	return d.bytes()[offArgs] == 1
}

// reached marks the filter behind the stub in the stub tests.
const reached = unix.SECCOMP_RET_TRACE | 0x77

func withStub(t *testing.T, archs []string, last map[string]uint32) []unix.SockFilter {
	t.Helper()
	var as []Arch
	for _, n := range archs {
		a, ok := LookupArch(n)
		if !ok {
			t.Fatalf("no arch %s", n)
		}
		as = append(as, a)
	}
	stub, err := enosysStub(as, last)
	if err != nil {
		t.Fatal(err)
	}
	return append(stub, stmt(unix.BPF_RET|unix.BPF_K, reached))
}

func TestENOSYSStub(t *testing.T) {
	enosys := uint32(unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS))
	const (
		amd = unix.AUDIT_ARCH_X86_64
		x86 = unix.AUDIT_ARCH_I386
	)
	type call struct {
		arch uint32
		nr   uint32
		want uint32
	}
	cases := []struct {
		name  string
		archs []string
		last  map[string]uint32
		calls []call
	}{
		{"x86_64", []string{"SCMP_ARCH_X86_64"}, map[string]uint32{"SCMP_ARCH_X86_64": 435}, []call{
			{amd, 0, reached}, {amd, 435, reached}, {amd, 436, enosys}, {amd, 1000, enosys},
			// x32 calls and other architectures are the filter's.
			{amd, X32Bit | 1000, reached}, {x86, 1000, reached},
		}},
		{"x86_64 x86 x32", []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"},
			map[string]uint32{"SCMP_ARCH_X86_64": 435, "SCMP_ARCH_X86": 450, "SCMP_ARCH_X32": X32Bit | 547}, []call{
				{amd, 435, reached}, {amd, 436, enosys},
				{amd, X32Bit | 547, reached}, {amd, X32Bit | 548, enosys}, {amd, X32Bit | 10, reached},
				{x86, 450, reached}, {x86, 451, enosys},
				{unix.AUDIT_ARCH_AARCH64, 1000, reached},
			}},
		{"x32 only", []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X32"}, map[string]uint32{"SCMP_ARCH_X32": X32Bit | 547}, []call{
			{amd, 1000, reached}, {amd, X32Bit | 548, enosys}, {amd, X32Bit | 1, reached},
		}},
		{"s390x", []string{"SCMP_ARCH_S390X"}, map[string]uint32{"SCMP_ARCH_S390X": 400}, []call{
			{unix.AUDIT_ARCH_S390X, 0, enosys}, {unix.AUDIT_ARCH_S390X, 1, reached}, {unix.AUDIT_ARCH_S390X, 401, enosys},
		}},
	}
	for _, c := range cases {
		prog := withStub(t, c.archs, c.last)
		for _, k := range c.calls {
			got, err := Eval(prog, Data{Arch: k.arch, Nr: int32(k.nr)})
			if err != nil || got != k.want {
				t.Errorf("%s: arch %#x nr %#x: %#x, %v; want %#x", c.name, k.arch, k.nr, got, err, k.want)
			}
		}
	}
	if stub, err := enosysStub([]Arch{archTable[0]}, map[string]uint32{}); stub != nil || err != nil {
		t.Errorf("no known call: stub %v, %v; want none", stub, err)
	}
}
