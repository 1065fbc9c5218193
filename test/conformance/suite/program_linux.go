package suite

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ocikit/ocikit/test/conformance/tap"
	"golang.org/x/sys/unix"
)

// runOne runs one program with its own TMPDIR, process group and mount
// namespace, then cleans up after it and judges it.
func (s *Suite) runOne(ctx context.Context, name string, timeout time.Duration) TestResult {
	res := TestResult{Name: name, ExitCode: -1}
	notRun := func(err error) TestResult {
		res.Status, res.Reason = NotRun, oneLine(err.Error())
		return res
	}
	tmp := filepath.Join(s.base, "tmp", name)
	// 0755 like the run folder: bundles of user-namespaced containers
	// are made below it.
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return notRun(fmt.Errorf("make TMPDIR: %w", err))
	}
	tapPath := filepath.Join(s.cfg.LogDir, name+".tap")
	errPath := filepath.Join(s.cfg.LogDir, name+".stderr")
	stdout, err := os.Create(tapPath)
	if err != nil {
		return notRun(fmt.Errorf("create %q: %w", tapPath, err))
	}
	defer stdout.Close()
	stderr, err := os.Create(errPath)
	if err != nil {
		return notRun(fmt.Errorf("create %q: %w", errPath, err))
	}
	defer stderr.Close()

	cmd := exec.Command(filepath.Join(s.cfg.BinDir, name))
	cmd.Dir = s.data
	cmd.Env = programEnv(os.Environ(), s.Runtime.Wrapper, tmp)
	// Files, not pipes: a container that inherited the program's stdout
	// would otherwise keep Wait from returning after the program exits.
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// A group of its own, so that a timeout kills the runtime
		// commands the program is waiting for along with it.
		Setpgid:   true,
		Pdeathsig: syscall.SIGKILL,
	}
	if s.cfg.PrivateMounts {
		// Go makes / recursively private in the new namespace, so
		// nothing mounted there propagates back to the host.
		cmd.SysProcAttr.Unshareflags = syscall.CLONE_NEWNS
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return notRun(fmt.Errorf("start %s: %w", name, err))
	}
	pgid := cmd.Process.Pid
	done := make(chan struct{})
	go func() {
		// The exit status is read from cmd.ProcessState below.
		_ = cmd.Wait()
		close(done)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var out Outcome
	interrupted := false
	select {
	case <-done:
	case <-timer.C:
		out.TimedOut = true
	case <-ctx.Done():
		interrupted = true
	}
	// Also after a normal exit: whatever the program started and left
	// running in its group goes with it. Containers are not in the group
	// for long (runtimes give them their own session); delete reaches them.
	killGroup(pgid)
	<-done
	res.Seconds = time.Since(start).Seconds()
	if st := cmd.ProcessState; st != nil {
		out.ExitCode = st.ExitCode()
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			out.Signal = unixSignalName(ws.Signal())
		}
	}
	res.ExitCode, res.Signal = out.ExitCode, out.Signal

	res.Leaks = s.cleanup(context.WithoutCancel(ctx), tmp)

	parsed, perr := parseFile(tapPath)
	res.Status, res.Reason = Classify(parsed, out)
	if perr != nil && res.Status == Pass {
		res.Status, res.Reason = Crashed, oneLine(perr.Error())
	}
	if interrupted {
		res.Status, res.Reason = NotRun, "interrupted"
	}
	res.OK, res.NotOK, res.Skip, res.Todo = parsed.Counts()
	res.Planned = parsed.Planned()
	for _, p := range parsed.Points {
		if p.Failed() && len(res.Failures) < maxFailures {
			res.Failures = append(res.Failures, Failure{Number: p.Number, Description: PointSummary(p)})
		}
	}
	if res.Status != Pass {
		res.StderrTail = tailLines(errPath, 5)
	}
	return res
}

// cleanup deletes the containers, cgroups and files a program left.
func (s *Suite) cleanup(ctx context.Context, tmp string) []string {
	leaks := s.Runtime.removeContainers(ctx)
	leaks = append(leaks, s.cgroups.Sweep()...)
	return append(leaks, removeTree(tmp)...)
}

// killGroup sends SIGKILL to the process group pgid, which only holds the
// program this runner started and the processes it started.
// ESRCH, an empty group, is the usual answer after a normal exit; any
// other failure leaves processes that the container cleanup then reports.
func killGroup(pgid int) {
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// programEnv is the environment of a validation program: the runner's,
// with RUNTIME naming the wrapper and TMPDIR the program's own folder.
func programEnv(env []string, wrapper, tmp string) []string {
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		if strings.HasPrefix(kv, "RUNTIME=") || strings.HasPrefix(kv, "TMPDIR=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "RUNTIME="+wrapper, "TMPDIR="+tmp)
}

func parseFile(path string) (tap.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return tap.Result{}, fmt.Errorf("open %q: %w", path, err)
	}
	defer f.Close()
	return tap.Parse(f)
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy %q: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("copy to %q: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %q to %q: %w", src, dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copy to %q: %w", dst, err)
	}
	return nil
}

// tailLines returns the last n non-empty lines of the file at path, read
// from at most its last 8 KiB.
func tailLines(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const window = 8 << 10
	if st, err := f.Stat(); err == nil && st.Size() > window {
		if _, err := f.Seek(-window, io.SeekEnd); err != nil {
			return ""
		}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return ""
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.ToValidUTF8(strings.Join(lines, "\n"), "")
}

// unixSignalName names a signal as "SIGKILL".
func unixSignalName(sig syscall.Signal) string {
	if name := unix.SignalName(sig); name != "" {
		return name
	}
	return sig.String()
}
