package engines

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// cmdTimeout bounds one engine command, so a hung engine fails its test
// instead of the whole run; no command comes near it.
const cmdTimeout = 2 * time.Minute

// result is what a command did.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
}

// command is one program to run and its environment additions.
type command struct {
	argv []string
	env  []string // added to the test's own environment
	// dir is the working directory. conmon, which inherits podman's,
	// leaves an "oom" file there when a container meets its memory limit.
	dir string
}

// run runs c, fails the test if it cannot be run or does not finish, and
// returns its exit status and output.
func run(t testing.TB, c command) result {
	t.Helper()
	res, err := tryRun(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("$ %s: exit %d", strings.Join(c.argv, " "), res.code)
	return res
}

// mustRun is run for commands that must succeed; it returns their stdout.
func mustRun(t testing.TB, c command) string {
	t.Helper()
	res := run(t, c)
	if res.code != 0 {
		t.Fatalf("%s: %s", strings.Join(c.argv, " "), res)
	}
	return res.stdout
}

// tryRun runs c without a test, for set-up and tear-down.
//
// Output goes to files, not pipes: conmon and the containerd shim are
// daemons that may inherit the engine's standard streams, and a pipe
// would keep us waiting for them rather than for the command.
func tryRun(c command) (result, error) {
	outF, err := unnamedFile()
	if err != nil {
		return result{}, err
	}
	defer outF.Close()
	errF, err := unnamedFile()
	if err != nil {
		return result{}, err
	}
	defer errF.Close()
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.argv[0], c.argv[1:]...)
	cmd.Stdout, cmd.Stderr = outF, errF
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Dir = c.dir
	waitErr := cmd.Run()
	res := result{code: -1}
	if cmd.ProcessState != nil {
		res.code = cmd.ProcessState.ExitCode()
	}
	if res.stdout, err = readBack(outF); err != nil {
		return res, err
	}
	if res.stderr, err = readBack(errF); err != nil {
		return res, err
	}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("%s: gave up after %v: %s", strings.Join(c.argv, " "), cmdTimeout, res)
	case waitErr != nil && !errors.As(waitErr, &ee):
		return res, fmt.Errorf("run %s: %w", c.argv[0], waitErr)
	}
	return res, nil
}

// unnamedFile returns a file already unlinked from the temporary
// directory, so nothing is left if the test dies.
func unnamedFile() (*os.File, error) {
	f, err := os.CreateTemp("", "ocikit-e2e-out-")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// readBack reads what a command wrote into f, from the start, without
// moving the offset that a daemon holding f may still be writing at.
func readBack(f *os.File) (string, error) {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<40))
	if err != nil {
		return "", fmt.Errorf("read output %q: %w", f.Name(), err)
	}
	return string(b), nil
}

// waitFor polls cond until it holds. The bound is only there so a broken
// engine fails the test instead of hanging it.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(cmdTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shellQuote quotes s for sh -c, for the command lines script(1) runs.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellJoin(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}
