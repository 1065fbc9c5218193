package process

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// SetCwd changes to the spec's working directory ("/" when empty) and
// checks that it lies inside the container's root.
//
// A path such as /proc/self/fd/N resolves through a file descriptor that
// may still point outside the root (CVE-2024-21626: a leaked host
// directory fd let the program start in the host's filesystem). chdir
// follows it without complaint; getcwd then reports the directory as
// "(unreachable)/..." or fails with ENOENT, which is how it is caught.
func SetCwd(cwd string) error {
	if cwd == "" {
		cwd = "/"
	}
	if err := unix.Chdir(cwd); err != nil {
		return fmt.Errorf("process.cwd %q: chdir: %w", cwd, err)
	}
	buf := make([]byte, unix.PathMax+1)
	n, err := unix.Getcwd(buf)
	if errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("process.cwd %q: the directory is outside the container's root or was removed: %w", cwd, err)
	}
	if err != nil {
		return fmt.Errorf("process.cwd %q: getcwd: %w", cwd, err)
	}
	got := strings.TrimRight(string(buf[:n]), "\x00")
	if !strings.HasPrefix(got, "/") {
		// "(unreachable)/..." and anything else not absolute.
		return fmt.Errorf("process.cwd %q: the directory is outside the container's root (getcwd says %q)", cwd, got)
	}
	return nil
}
