package process

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// DefaultPath is searched when the process's environment has no PATH.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// ErrNotFound is returned (wrapped) when no directory of PATH holds the
// program.
var ErrNotFound = errors.New("executable file not found in $PATH")

// errNotRegular is execve's answer for a directory or device, with a reason.
var errNotRegular = fmt.Errorf("not a regular file: %w", unix.EACCES)

// LookPath finds the program arg0 names, as execvp would in the container:
// a name holding a slash is used as it is (relative to the cwd, which Setup
// has set), any other is searched in env's PATH, or DefaultPath when env
// has none. The result must be a regular file the calling thread may
// execute, so call LookPath after Setup: the check uses the thread's own
// credentials. Errors read like `exec "foo": executable file not found in
// $PATH`.
func LookPath(arg0 string, env []string) (string, error) {
	if strings.Contains(arg0, "/") {
		if err := checkExecutable(arg0); err != nil {
			return "", fmt.Errorf("exec %q: %w", arg0, err)
		}
		return arg0, nil
	}
	if arg0 == "" {
		return "", fmt.Errorf("exec %q: %w", arg0, ErrNotFound)
	}
	var denied error
	for _, dir := range filepath.SplitList(envPath(env)) {
		if dir == "" {
			dir = "." // an empty PATH entry means the current directory
		}
		p := filepath.Join(dir, arg0)
		if !strings.Contains(p, "/") {
			p = "./" + p // keep execve from treating it as a name
		}
		err := checkExecutable(p)
		if err == nil {
			return p, nil
		}
		// Like execvp, a program found but not executable is reported
		// as such when nothing later in PATH matches; a directory of the
		// same name, as in os/exec, is no candidate at all.
		if denied == nil && errors.Is(err, unix.EACCES) && !errors.Is(err, errNotRegular) {
			denied = err
		}
	}
	if denied != nil {
		return "", fmt.Errorf("exec %q: %w", arg0, denied)
	}
	return "", fmt.Errorf("exec %q: %w", arg0, ErrNotFound)
}

// envPath returns the value of PATH in env, the last one winning as with
// os/exec's Cmd.Env, or DefaultPath when env has none.
func envPath(env []string) string {
	path := DefaultPath
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	return path
}

// checkExecutable reports whether p is a regular file the calling thread
// may execute (its effective ids and capabilities decide, as for execve).
func checkExecutable(p string) error {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return errNotRegular
	}
	return unix.Faccessat(unix.AT_FDCWD, p, unix.X_OK, unix.AT_EACCESS)
}
