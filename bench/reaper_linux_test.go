package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	testReaperOnce sync.Once
	testReaper     *Reaper
	testReaperErr  error
)

// newTestRunner makes a runner on the package's one reaper: the reaper
// makes the test process a subreaper, which no other test here minds.
func newTestRunner(t *testing.T) *Runner {
	t.Helper()
	testReaperOnce.Do(func() { testReaper, testReaperErr = StartReaper() })
	if testReaperErr != nil {
		t.Fatal(testReaperErr)
	}
	r, err := NewRunner(testReaper, os.Environ(), "/bin/true", filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestRunnerRun(t *testing.T) {
	r := newTestRunner(t)
	s, err := r.Run([]string{"/bin/sh", "-c", "echo a long first line; echo err >&2"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Pid <= 0 || s.Wall <= 0 {
		t.Errorf("sample %+v", s)
	}
	if out := r.Output(); out != "a long first line\nerr" {
		t.Errorf("output %q", out)
	}
	// The next command's output replaces it, from the start of the file.
	if _, err := r.Run([]string{"/bin/sh", "-c", "echo b"}); err != nil || r.Output() != "b" {
		t.Errorf("second output %q, %v", r.Output(), err)
	}
	_, err = r.Run([]string{"/bin/sh", "-c", "echo failing; exit 3"})
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "failing") {
		t.Errorf("failure: %v", err)
	}
	_, err = r.Run([]string{"/bin/sh", "-c", "kill -9 $$"})
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("signal: %v", err)
	}
	if _, err := r.Run([]string{"/nonexistent/program"}); err == nil {
		t.Error("a missing program started")
	}
}

func TestReaperReapsOrphans(t *testing.T) {
	r := newTestRunner(t)
	// The background sleep outlives its shell and becomes this
	// process's child; the reaper must reap it, leaving no zombie.
	if _, err := r.Run([]string{"/bin/sh", "-c", "sleep 0.2 & echo $!"}); err != nil {
		t.Fatal(err)
	}
	orphan := r.Output()
	// Wait for it through the next command, which outlives it.
	if _, err := r.Run([]string{"/bin/sleep", "0.5"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/proc/" + orphan); err == nil {
		st, _ := os.ReadFile("/proc/" + orphan + "/stat")
		// A pid reused by another process is not our zombie.
		if strings.Contains(string(st), "(sleep) Z") {
			t.Errorf("orphan %s left a zombie: %s", orphan, st)
		}
	}
}

func TestRunRusage(t *testing.T) {
	r := newTestRunner(t)
	// A fake helper: prints a report as the real one does.
	helper := filepath.Join(t.TempDir(), "helper")
	script := "#!/bin/sh\n\"$@\"\necho; echo 'rusage-helper: maxrss_kb=1234 cpu_ns=5000000' >&2\n"
	if err := os.WriteFile(helper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r.helper = helper
	s, err := r.RunRusage([]string{"/bin/echo", "tool output"})
	if err != nil {
		t.Fatal(err)
	}
	if s.MaxRSS != 1234 || s.CPU.Milliseconds() != 5 {
		t.Errorf("sample %+v", s)
	}
}
