package criu

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// searchPath is where Find looks when criu is not on $PATH: Debian puts
// it in /usr/sbin, which an unprivileged user's $PATH often leaves out.
var searchPath = []string{"/usr/sbin/criu", "/usr/local/sbin/criu", "/sbin/criu"}

// ErrNotFound is returned by Find when no criu binary exists.
var ErrNotFound = errors.New("criu not found (install Debian's criu package, or name the binary with --criu)")

// Find returns the criu binary to run: path when given (it must be an
// executable file), else criu from $PATH or the usual sbin directories.
func Find(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("criu binary %q: %w", path, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("criu"); err == nil {
		return p, nil
	}
	for _, p := range searchPath {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", ErrNotFound
}

// Check runs `criu check`, criu's own test of the kernel features a dump
// and a restore need. On failure the error is one line: "criu check: "
// and criu's first error message (on Debian's criu 3.17 under a 6.18
// kernel: "vdso: Unexpected rt vDSO area bounds").
func Check(bin string) error {
	var out bytes.Buffer
	cmd := exec.Command(bin, "check")
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("criu check: run %q: %w", bin, err)
	}
	if msg := FirstError(&out); msg != "" {
		return fmt.Errorf("criu check: %s", msg)
	}
	return fmt.Errorf("criu check: %s", exitText(ee, &out))
}

// FirstError returns criu's first error message in a log: the text of
// the first line that starts with "Error", without criu's
// "Error (file.c:line): " source position, passing over a helper's bare
// exit status. It returns "" when there is none.
func FirstError(r io.Reader) string {
	first := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		// A log with timestamps starts lines with "(00.012345) Error".
		if strings.HasPrefix(line, "(") {
			if _, rest, ok := strings.Cut(line, ") "); ok {
				line = rest
			}
		}
		if !strings.HasPrefix(line, "Error") {
			continue
		}
		msg := strings.TrimPrefix(line, "Error")
		if strings.HasPrefix(msg, " (") {
			if _, rest, ok := strings.Cut(msg, "): "); ok {
				msg = rest
			}
		}
		msg = strings.TrimSpace(strings.TrimPrefix(msg, ":"))
		if first == "" {
			first = msg
		}
		// A helper's exit status (criu runs tar for a tmpfs, ip for a
		// network namespace) says less than the line after it.
		if !strings.HasPrefix(msg, "exited, status=") {
			return msg
		}
	}
	return first
}

// HelperOutput returns the first line a helper program criu ran wrote
// into its log (criu's own lines start with a timestamp in parentheses):
// "tar: unrecognized option '--no-unquote'" when the tar on PATH is not
// GNU tar. It returns "" when there is none.
func HelperOutput(r io.Reader) string {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "(") {
			return line
		}
	}
	return ""
}

// exitText describes a criu run that failed without an Error line: its
// last line of output, or its exit status.
func exitText(ee *exec.ExitError, out *bytes.Buffer) string {
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
		return last
	}
	return ee.Error()
}

// Run runs criu with args; its log goes to logFile (criu's -o is taken
// relative to the work directory, so the absolute path is given). extra
// become criu's descriptors 3 and up, for --inherit-fd. On failure the
// error carries criu's first error message and names the log. The
// standard streams given are criu's own, so a restored process that
// inherits one of them (--inherit-fd fd[0..2]) gets it.
func Run(bin string, args []string, logFile string, stdio [3]*os.File, extra []*os.File) error {
	if err := os.MkdirAll(filepath.Dir(logFile), 0o700); err != nil {
		return fmt.Errorf("criu log directory %q: %w", filepath.Dir(logFile), err)
	}
	full := append(append([]string(nil), args...), "-v4", "-o", logFile)
	cmd := exec.Command(bin, full...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio[0], stdio[1], stdio[2]
	var out bytes.Buffer
	if cmd.Stdout == nil {
		cmd.Stdout = &out
	}
	if cmd.Stderr == nil {
		cmd.Stderr = &out
	}
	cmd.ExtraFiles = extra
	err := cmd.Run()
	if err == nil {
		return nil
	}
	op := "criu"
	if len(args) > 0 {
		op = "criu " + args[0]
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("%s: run %q: %w", op, bin, err)
	}
	msg := ""
	if b, ferr := os.ReadFile(logFile); ferr == nil {
		msg = FirstError(bytes.NewReader(b))
		if h := HelperOutput(bytes.NewReader(b)); msg != "" && h != "" {
			msg += " (" + h + ")"
		}
		if msg == "" {
			// No Error line: criu's last words, often a helper's
			// (tar, ip) complaint, say more than its exit status.
			msg = exitText(ee, bytes.NewBuffer(b))
		}
	}
	if msg == "" {
		msg = exitText(ee, &out)
	}
	return fmt.Errorf("%s: %s (log %s)", op, msg, logFile)
}
