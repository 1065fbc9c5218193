package process

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Execution domains of personality(2) (linux/personality.h). x/sys does
// not export them.
const (
	perLinux   = 0x0000
	perLinux32 = 0x0008
)

// personalityValue maps the spec's domain to the personality(2) argument.
// The spec defines no flag, so any flag is refused by name rather than
// passed through as a number the kernel would take for something else.
func personalityValue(p *specs.LinuxPersonality) (uintptr, error) {
	if len(p.Flags) > 0 {
		return 0, fmt.Errorf("linux.personality.flags: %q: no personality flag is defined by the runtime-spec", p.Flags[0])
	}
	switch p.Domain {
	case specs.PerLinux:
		return perLinux, nil
	case specs.PerLinux32:
		return perLinux32, nil
	}
	return 0, fmt.Errorf("linux.personality.domain: unknown domain %q", p.Domain)
}

// SetPersonality sets the execution domain of the calling process, when p
// is set. The personality survives execve, so the program starts with it
// (LINUX32: uname reports a 32-bit machine). It needs no privilege; it
// is called before the seccomp filter is loaded, since a profile may
// allow personality() only with the values the runtime itself would not
// pass.
func SetPersonality(p *specs.LinuxPersonality) error {
	if p == nil {
		return nil
	}
	v, err := personalityValue(p)
	if err != nil {
		return err
	}
	// personality(2) returns the previous persona; only -1 is an error.
	if _, _, e := unix.RawSyscall(unix.SYS_PERSONALITY, v, 0, 0); e != 0 {
		return fmt.Errorf("linux.personality %s: %w", p.Domain, e)
	}
	return nil
}
