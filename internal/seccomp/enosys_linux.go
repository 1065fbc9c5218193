package seccomp

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// A profile lists the system calls its authors knew of; its default action
// covers both the calls they meant to refuse and the ones added to Linux
// after they wrote it. For the latter EPERM is the wrong answer: a C library
// tries a new call (clone3, faccessat2, openat2...) and falls back to the
// old one only on ENOSYS, so with EPERM the program fails instead. When the
// default action is SCMP_ACT_ERRNO with an errno other than ENOSYS, a stub
// goes in front of the filter: for each architecture, a call whose number
// is above the largest one the profile names gets ENOSYS. That is the
// ordering of the syscall tables, so it is an estimate (a call added later
// with a lower number is not caught), but a call the profile names, or one
// numbered below it, still meets the profile's own rules and default.

// needsStub reports whether p's default action calls for the ENOSYS stub.
// Permissive defaults need none, and KILL, TRAP and TRACE defaults keep
// their meaning for every unknown call: only ERRNO is about what a caller
// is told.
func (p *Profile) needsStub() bool {
	return p.Default.Kind == ActErrno && p.Default.Ret != uint16(unix.ENOSYS)
}

// pinsn is an instruction whose jump targets are labels, resolved once
// the stub is laid out; "" means the next instruction.
type pinsn struct {
	in         unix.SockFilter
	jt, jf, ja string
}

// enosysStub returns the stub for archs, given the largest system call
// number the profile names on each (by the spec's arch name; 0 or absent:
// none). Its last jump lands on the instruction after it, the start of
// the filter it is put in front of. It returns nil when no architecture
// has a known system call.
func enosysStub(archs []Arch, last map[string]uint32) ([]unix.SockFilter, error) {
	// Group the architectures by the kernel's AUDIT_ARCH value: x86_64 and
	// x32 share one and are told apart by the x32 bit of the number.
	var audits []uint32
	groups := map[uint32][]Arch{}
	for _, a := range archs {
		if last[a.Name] == 0 {
			continue
		}
		if _, ok := groups[a.Audit]; !ok {
			audits = append(audits, a.Audit)
		}
		groups[a.Audit] = append(groups[a.Audit], a)
	}
	if len(audits) == 0 {
		return nil, nil
	}
	var prog []pinsn
	emit := func(in unix.SockFilter, jt, jf string) { prog = append(prog, pinsn{in: in, jt: jt, jf: jf}) }
	labels := map[string]int{}
	mark := func(l string) { labels[l] = len(prog) }

	emit(stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, offArch), "", "")
	for _, au := range audits {
		emit(jump(unix.BPF_JMP|unix.BPF_JEQ|unix.BPF_K, au, 0, 0), sec(au), "")
	}
	// Any other architecture goes to the filter, which gives it the
	// bad-architecture action.
	prog = append(prog, pinsn{in: stmt(unix.BPF_JMP|unix.BPF_JA, 0), ja: "filter"})
	for _, au := range audits {
		mark(sec(au))
		emit(stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, offNr), "", "")
		if au == unix.AUDIT_ARCH_S390 || au == unix.AUDIT_ARCH_S390X {
			// On s390 a number the kernel does not know arrives as 0,
			// the long-gone setup(2) that multiplexes large numbers:
			// it is one of the unknown calls.
			emit(jump(unix.BPF_JMP|unix.BPF_JEQ|unix.BPF_K, 0, 0, 0), "enosys", "")
		}
		if au != unix.AUDIT_ARCH_X86_64 {
			emit(jump(unix.BPF_JMP|unix.BPF_JGT|unix.BPF_K, last[groups[au][0].Name], 0, 0), "enosys", "filter")
			continue
		}
		amd, x32 := last["SCMP_ARCH_X86_64"], last["SCMP_ARCH_X32"]
		// An x32 call when the profile has no x32 numbers goes to the
		// filter untouched, and so does an x86_64 call without x86_64 ones.
		x32Target := "filter"
		if x32 != 0 {
			x32Target = "x32"
		}
		emit(jump(unix.BPF_JMP|unix.BPF_JSET|unix.BPF_K, X32Bit, 0, 0), x32Target, "")
		if amd != 0 {
			emit(jump(unix.BPF_JMP|unix.BPF_JGT|unix.BPF_K, amd, 0, 0), "enosys", "filter")
		} else {
			prog = append(prog, pinsn{in: stmt(unix.BPF_JMP|unix.BPF_JA, 0), ja: "filter"})
		}
		if x32 != 0 {
			mark("x32")
			emit(jump(unix.BPF_JMP|unix.BPF_JGT|unix.BPF_K, x32, 0, 0), "enosys", "filter")
		}
	}
	mark("enosys")
	emit(stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ERRNO|uint32(unix.ENOSYS)), "", "")
	mark("filter")
	return resolve(prog, labels)
}

func sec(audit uint32) string { return fmt.Sprintf("arch-%#x", audit) }

// resolve turns labels into the forward offsets BPF jumps take.
func resolve(prog []pinsn, labels map[string]int) ([]unix.SockFilter, error) {
	out := make([]unix.SockFilter, len(prog))
	for i, p := range prog {
		in := p.in
		off := func(l string) (int, error) {
			if l == "" {
				return 0, nil
			}
			t, ok := labels[l]
			if !ok || t <= i {
				return 0, fmt.Errorf("seccomp stub: bad jump from %d to %q", i, l)
			}
			return t - i - 1, nil
		}
		if p.ja != "" {
			o, err := off(p.ja)
			if err != nil {
				return nil, err
			}
			in.K = uint32(o)
		}
		for _, j := range []struct {
			l   string
			dst *uint8
		}{{p.jt, &in.Jt}, {p.jf, &in.Jf}} {
			o, err := off(j.l)
			if err != nil {
				return nil, err
			}
			if o > 255 {
				return nil, fmt.Errorf("seccomp stub: jump from %d to %q is too long", i, j.l)
			}
			*j.dst = uint8(o)
		}
		out[i] = in
	}
	return out, nil
}
