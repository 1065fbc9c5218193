package integration

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocikit/ocikit/internal/tty"
)

// The exec and oci-runtime tests drive oci-exec, oci-ps and oci-runtime
// besides the lifecycle tools. Registering them here (package variables
// are set before init runs, and TestMain after) makes TestMain check
// that OCIKIT_BIN holds them, or build them, the two that carry the
// container init with cgo.
// started starts a container from the bundle with oci-run --detach under
// a new ID and returns the ID and the container's state.
func (r *rt) started(b *bundle, what string) (string, stateView) {
	r.t.Helper()
	id := r.id(what)
	return id, r.detach(b, id)
}

// remove force-deletes containers and checks that nothing of them is
// left.
func (r *rt) remove(ids ...string) {
	r.t.Helper()
	for _, id := range ids {
		r.must("oci-delete", "--force", id)
	}
	assertClean(r.t, r.root, ids...)
}

// execTo runs a tool with this test's --root, its stdout and stderr going
// to the given files, and returns its exit status. Unlike exec, what the
// tool leaves behind (a container holding its streams) keeps writing to
// files the test reads later.
func (r *rt) execTo(stdout, stderr *os.File, tool string, args ...string) int {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, tool), append([]string{"--root", r.root}, args...)...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.t.Fatalf("%s %s: gave up after %v", tool, strings.Join(args, " "), toolTimeout)
	case err != nil && !errors.As(err, &ee):
		r.t.Fatalf("%s: %v", tool, err)
	}
	return cmd.ProcessState.ExitCode()
}

// readPid reads a pid file: a decimal pid and no newline.
func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("pid file: %v", err)
	}
	pid, err := strconv.Atoi(string(b))
	if err != nil || pid <= 0 {
		t.Fatalf("pid file %s holds %q, want a pid and no newline", path, b)
	}
	return pid
}

// nsLink returns what /proc/PID/ns/KIND links to, such as "net:[4026531840]".
func nsLink(t *testing.T, pid, kind string) string {
	t.Helper()
	l, err := os.Readlink(filepath.Join("/proc", pid, "ns", kind))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// shQuote quotes s for sh.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// consoleReceiver listens on a new unix socket for a console and, in the
// background, accepts one connection, takes the pty master sent on it and
// reads the terminal's output until the last holder of the slave closes
// it. It returns the socket's path and a function that waits for that
// output (with \r\n made \n).
func consoleReceiver(t *testing.T, r *rt) (string, func() string) {
	t.Helper()
	sockPath := filepath.Join(r.dir("console"), "sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sockPath, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	// Closing the listener also ends an Accept no tool ever answered.
	t.Cleanup(func() { l.Close() })
	type got struct {
		out string
		err error
	}
	done := make(chan got, 1)
	go func() {
		conn, err := l.AcceptUnix()
		if err != nil {
			done <- got{err: err}
			return
		}
		defer conn.Close()
		f, err := conn.File()
		if err != nil {
			done <- got{err: err}
			return
		}
		defer f.Close()
		master, err := tty.RecvConsole(f)
		if err != nil {
			done <- got{err: err}
			return
		}
		defer master.Close()
		out, err := io.ReadAll(master)
		if errors.Is(err, syscall.EIO) {
			err = nil // the slave's last holder exited
		}
		done <- got{out: string(out), err: err}
	}()
	wait := func() string {
		t.Helper()
		select {
		case g := <-done:
			if g.err != nil {
				t.Fatalf("console receiver: %v", g.err)
			}
			return strings.ReplaceAll(g.out, "\r\n", "\n")
		case <-time.After(toolTimeout):
			t.Fatal("the console receiver got no end of output")
		}
		return ""
	}
	return sockPath, wait
}
