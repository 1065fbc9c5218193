package signals

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Parse accepts "KILL", "SIGKILL", "kill", "9" and the real-time forms
// "RTMIN+3" / "SIGRTMAX-1".
func Parse(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > sigrtmax {
			return 0, fmt.Errorf("invalid signal %q", s)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	for _, base := range []struct {
		prefix string
		n      int
		sign   int
	}{{"SIGRTMIN+", sigrtmin, 1}, {"SIGRTMAX-", sigrtmax, -1}} {
		if rest, ok := strings.CutPrefix(name, base.prefix); ok {
			off, err := strconv.Atoi(rest)
			if err == nil && off >= 0 && off <= sigrtmax-sigrtmin {
				return unix.Signal(base.n + base.sign*off), nil
			}
		}
	}
	switch name {
	case "SIGRTMIN":
		return sigrtmin, nil
	case "SIGRTMAX":
		return sigrtmax, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

// Linux's real-time signal range as user space sees it (glibc reserves 32
// and 33).
const (
	sigrtmin = 34
	sigrtmax = 64
)
