package process

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Exec replaces the process with the program at path. Call it from the
// thread Setup prepared: execve keeps that thread's credentials,
// capabilities and no_new_privs, and ends every other thread. It returns
// only on failure.
func Exec(path string, args, env []string) error {
	// unix.Exec is syscall.Exec, which restores the RLIMIT_NOFILE Go
	// raised at start-up unless SetRlimits set one (see there).
	if err := unix.Exec(path, args, env); err != nil {
		return fmt.Errorf("exec %q: %w", path, err)
	}
	return nil
}
