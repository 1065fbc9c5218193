package signals

import (
	"os/exec"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]unix.Signal{
		"KILL": unix.SIGKILL, "SIGKILL": unix.SIGKILL, "kill": unix.SIGKILL, "9": unix.SIGKILL,
		"TERM": unix.SIGTERM, "sigusr1": unix.SIGUSR1, "RTMIN+2": 36, "SIGRTMAX": 64, "SIGRTMAX-1": 63,
	} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "65", "-1", "FOO", "SIGRTMIN+40"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) succeeded", in)
		}
	}
}

func TestSignalAndWait(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep:", err)
	}
	defer cmd.Wait()
	p, err := Open(cmd.Process.Pid, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := WaitAll([]*Process{p}, 50*time.Millisecond); err == nil {
		t.Fatal("WaitAll returned before the process exited")
	}
	if err := p.Signal(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := WaitAll([]*Process{p}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestOpenChecksStartTime(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep:", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	other := func(int) (uint64, error) { return 2, nil }
	if _, err := Open(cmd.Process.Pid, 1, other); err == nil {
		t.Fatal("Open accepted a process with another start time")
	}
}
