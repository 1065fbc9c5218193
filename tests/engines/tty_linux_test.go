package engines

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// ttyInput is typed into the container's shell once it prompts. The
// arithmetic shows that the shell in the container ran the line, rather
// than a terminal echoing it.
const ttyInput = "echo hi-$((6*7)); tty; exit 5\n"

// terminalSession runs argv under script(1), which gives it a terminal
// as an interactive user would, waits for the container's shell prompt,
// types ttyInput and returns everything the terminal showed and the exit
// status.
func terminalSession(t *testing.T, c command) (string, int) {
	t.Helper()
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) is not installed: run tests/engines/install-deps.sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "script", "--quiet", "--return", "--command", shellJoin(c.argv), "/dev/null")
	cmd.Env = append(append(os.Environ(), c.env...), "SHELL=/bin/sh")
	cmd.Dir = c.dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start script: %v", err)
	}
	var (
		mu   sync.Mutex
		seen []byte
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := stdout.Read(buf)
			mu.Lock()
			seen = append(seen, buf[:n]...)
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	screen := func() string {
		mu.Lock()
		defer mu.Unlock()
		return string(seen)
	}
	ended := func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
	// Typing before the shell reads would race with the engine putting
	// the terminal into raw mode; busybox's root prompt ends in "# ".
	waitFor(t, "the container shell's prompt", func() bool { return strings.Contains(screen(), "# ") || ended() })
	if !ended() {
		if _, err := io.WriteString(stdin, ttyInput); err != nil {
			t.Fatalf("type into the terminal: %v", err)
		}
	}
	<-done
	waitErr := cmd.Wait()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s: gave up after %v; terminal showed %q", c.argv[0], cmdTimeout, screen())
	case waitErr != nil && !errors.As(waitErr, &ee):
		t.Fatalf("script: %v", waitErr)
	}
	t.Logf("$ %s (on a terminal): exit %d", strings.Join(c.argv, " "), cmd.ProcessState.ExitCode())
	return screen() + stderr.String(), cmd.ProcessState.ExitCode()
}

// checkTerminalSession checks what terminalSession saw: the shell ran the
// line, its stdin is a pty, and its exit status came back.
func checkTerminalSession(t *testing.T, out string, code int) {
	t.Helper()
	if code != 5 || !strings.Contains(out, "hi-42") || !strings.Contains(out, "/dev/pts/") {
		t.Fatalf("terminal session: exit %d, terminal showed %q; want exit 5, hi-42 and a /dev/pts tty", code, out)
	}
}

// TestPodmanTerminal: podman run -it gets the container's pty from the
// runtime through conmon's console socket.
func TestPodmanTerminal(t *testing.T) {
	p := needPodman(t)
	out, code := terminalSession(t, p.runCmd("--rm", "--interactive", "--tty", imageName, "sh"))
	checkTerminalSession(t, out, code)
}
