package process

import (
	"fmt"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// rlimitTypes maps the spec's rlimit names to resource numbers.
var rlimitTypes = map[string]int{
	"RLIMIT_AS":         unix.RLIMIT_AS,
	"RLIMIT_CORE":       unix.RLIMIT_CORE,
	"RLIMIT_CPU":        unix.RLIMIT_CPU,
	"RLIMIT_DATA":       unix.RLIMIT_DATA,
	"RLIMIT_FSIZE":      unix.RLIMIT_FSIZE,
	"RLIMIT_LOCKS":      unix.RLIMIT_LOCKS,
	"RLIMIT_MEMLOCK":    unix.RLIMIT_MEMLOCK,
	"RLIMIT_MSGQUEUE":   unix.RLIMIT_MSGQUEUE,
	"RLIMIT_NICE":       unix.RLIMIT_NICE,
	"RLIMIT_NOFILE":     unix.RLIMIT_NOFILE,
	"RLIMIT_NPROC":      unix.RLIMIT_NPROC,
	"RLIMIT_RSS":        unix.RLIMIT_RSS,
	"RLIMIT_RTPRIO":     unix.RLIMIT_RTPRIO,
	"RLIMIT_RTTIME":     unix.RLIMIT_RTTIME,
	"RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_STACK":      unix.RLIMIT_STACK,
}

// Rlimit is one spec rlimit resolved to its resource number.
type Rlimit struct {
	Name     string // "RLIMIT_NOFILE"
	Resource int
	Limit    syscall.Rlimit
}

// ParseRlimits resolves the spec's rlimits. An unknown type, a type given
// twice or a soft limit above the hard one is an error, so that nothing is
// applied from a spec that cannot be applied whole.
func ParseRlimits(rl []specs.POSIXRlimit) ([]Rlimit, error) {
	out := make([]Rlimit, 0, len(rl))
	seen := make(map[int]bool, len(rl))
	for _, r := range rl {
		res, ok := rlimitTypes[r.Type]
		if !ok {
			return nil, fmt.Errorf("process.rlimits: unknown type %q", r.Type)
		}
		if seen[res] {
			return nil, fmt.Errorf("process.rlimits: %s given twice", r.Type)
		}
		seen[res] = true
		if r.Soft > r.Hard {
			return nil, fmt.Errorf("process.rlimits: %s: soft limit %d above hard limit %d", r.Type, r.Soft, r.Hard)
		}
		out = append(out, Rlimit{Name: r.Type, Resource: res, Limit: syscall.Rlimit{Cur: r.Soft, Max: r.Hard}})
	}
	return out, nil
}

// SetRlimits applies the spec's rlimits to the process (rlimits are per
// process, not per thread).
//
// It must go through the syscall package (syscall.Setrlimit; x/sys's
// Setrlimit and Prlimit delegate to it): Go raises its own soft
// RLIMIT_NOFILE at start-up and puts the original back just before execve
// unless RLIMIT_NOFILE was set through that package. A raw prlimit64 would
// see the spec's NOFILE limit silently undone in the exec'd program.
func SetRlimits(rl []specs.POSIXRlimit) error {
	parsed, err := ParseRlimits(rl)
	if err != nil {
		return err
	}
	return applyRlimits(parsed)
}

func applyRlimits(rl []Rlimit) error {
	for _, r := range rl {
		lim := r.Limit
		if err := syscall.Setrlimit(r.Resource, &lim); err != nil {
			return fmt.Errorf("process.rlimits: set %s to %d/%d: %w", r.Name, lim.Cur, lim.Max, err)
		}
	}
	return nil
}
