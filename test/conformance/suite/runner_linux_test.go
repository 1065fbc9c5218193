package suite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeRuntime is a runc-shaped command line that keeps one folder per
// container under --root and logs its calls. It refuses to delete
// containers whose ID starts with "stuck".
const fakeRuntime = `#!/bin/sh
echo "$*" >> %s
if [ "$1" = "--version" ]; then echo "fake version 0.1"; echo "spec: 1.0.2"; exit 0; fi
[ "$1" = "--root" ] || exit 2
root=$2; shift 2
case "$1" in
list) ls "$root" ;;
create) for id; do :; done; mkdir "$root/$id" ;;
delete) shift; [ "$1" = "--force" ] && shift
	case "$1" in stuck*) echo "cannot delete $1" >&2; exit 1 ;; esac
	rmdir "$root/$1" ;;
*) exit 2 ;;
esac
`

// programs are stand-ins for validation programs.
var programs = map[string]string{
	// Checks the environment the real programs rely on.
	"env_check": `n=0
check() { n=$((n+1)); if "$@"; then echo "ok $n - $*"; else echo "not ok $n - $*"; fi; }
echo "TAP version 13"
check test -x runtimetest
check test -f rootfs-` + runtime.GOARCH + `.tar.gz
check test "$(basename "$TMPDIR")" = env_check
check test -d "$TMPDIR"
check "$RUNTIME" list -q
echo "1..$n"
`,
	"leaves_container": `mkdir "$TMPDIR/bundle"
"$RUNTIME" create --bundle "$TMPDIR/bundle" leftover
printf 'TAP version 13\nok 1\n1..1\n'
`,
	"leaves_stuck_container": `"$RUNTIME" create --bundle "$TMPDIR" stuck1
printf 'TAP version 13\nok 1\n1..1\n'
`,
	"hangs": `sleep 1000 &
echo $! > "$HANG_PIDFILE"
printf 'TAP version 13\nok 1 - before the hang\n'
wait
`,
	"crashes": `printf 'TAP version 13\nok 1\n'
echo "util.Fatal says why" >&2
exit 3
`,
}

// newFakeSuite lays out the fake programs and runtime and prepares a suite
// on them, with no cgroup to sweep.
func newFakeSuite(t *testing.T, timeout time.Duration) (*Suite, string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(path, body string) {
		if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range programs {
		write(filepath.Join(bin, name), "#!/bin/sh\n"+body)
	}
	write(filepath.Join(bin, HelperProgram), "#!/bin/sh\n")
	write(filepath.Join(dir, "rootfs.tar.gz"), "")
	callLog := filepath.Join(dir, "calls.log")
	write(filepath.Join(dir, "fake-runtime"), fmt.Sprintf(fakeRuntime, shellQuote(callLog)))
	t.Setenv("HANG_PIDFILE", filepath.Join(dir, "hang.pid"))

	sweeper, err := newCgroupSweeper(nil, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	s, err := prepare(context.Background(), Config{
		BinDir:        bin,
		RootfsArchive: filepath.Join(dir, "rootfs.tar.gz"),
		Runtime:       filepath.Join(dir, "fake-runtime"),
		Timeout:       timeout,
		LogDir:        filepath.Join(dir, "logs"),
		PrivateMounts: os.Geteuid() == 0,
	}, false, sweeper)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func TestRunJudgesAndCleansUp(t *testing.T) {
	s, dir := newFakeSuite(t, 5*time.Second)
	var progress bytes.Buffer
	s.cfg.Progress = &progress
	if s.Runtime.Name != "fake-runtime" || s.Runtime.Version != "fake version 0.1" || s.Runtime.UnmountsUnified {
		t.Errorf("runtime = %+v", s.Runtime)
	}
	names := []string{"crashes", "env_check", "hangs", "leaves_container"}
	results := s.Run(context.Background(), names)
	byName := map[string]TestResult{}
	for _, r := range results {
		byName[r.Name] = r
	}

	if r := byName["env_check"]; r.Status != Pass || r.OK != 5 {
		t.Errorf("env_check = %+v", r)
	}
	if r := byName["crashes"]; r.Status != Crashed || r.ExitCode != 3 || r.StderrTail != "util.Fatal says why" {
		t.Errorf("crashes = %+v", r)
	}
	r := byName["hangs"]
	if r.Status != Timeout || r.Signal != "SIGKILL" || r.OK != 1 {
		t.Errorf("hangs = %+v", r)
	}
	// The program's child went with it: the whole group was killed.
	data, err := os.ReadFile(filepath.Join(dir, "hang.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)

	if r := byName["leaves_container"]; r.Status != Pass || len(r.Leaks) != 0 {
		t.Errorf("leaves_container = %+v", r)
	}
	calls, err := os.ReadFile(filepath.Join(dir, "calls.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(calls), "delete --force leftover") {
		t.Errorf("leftover container not deleted; calls:\n%s", calls)
	}
	if entries, err := os.ReadDir(s.Runtime.StateRoot); err != nil || len(entries) != 0 {
		t.Errorf("state root after the run: %v, %v", entries, err)
	}
	if entries, err := os.ReadDir(filepath.Join(s.base, "tmp")); err != nil || len(entries) != 0 {
		t.Errorf("TMPDIRs after the run: %v, %v", entries, err)
	}
	if _, err := os.Stat(filepath.Join(s.cfg.LogDir, "crashes.stderr")); err != nil {
		t.Errorf("stderr log: %v", err)
	}
	if got := strings.Count(progress.String(), "\n"); got != len(names) {
		t.Errorf("progress has %d lines, want %d:\n%s", got, len(names), progress.String())
	}

	if leaks := s.Close(context.Background()); len(leaks) != 0 {
		t.Errorf("Close leaks = %v", leaks)
	}
	if _, err := os.Stat(s.base); !os.IsNotExist(err) {
		t.Errorf("run folder still there: %v", err)
	}
}

func TestRunReportsLeaksAndKeepsTheirState(t *testing.T) {
	s, _ := newFakeSuite(t, 5*time.Second)
	t.Cleanup(func() { os.RemoveAll(s.base) })
	r := s.Run(context.Background(), []string{"leaves_stuck_container"})[0]
	if r.Status != Pass || len(r.Leaks) != 1 || !strings.Contains(r.Leaks[0], "container stuck1: ") || !strings.Contains(r.Leaks[0], "cannot delete stuck1") {
		t.Errorf("result = %+v", r)
	}
	leaks := s.Close(context.Background())
	if len(leaks) != 2 || !strings.Contains(leaks[1], "run folder kept") {
		t.Errorf("Close leaks = %v", leaks)
	}
	if _, err := os.Stat(filepath.Join(s.Runtime.StateRoot, "stuck1")); err != nil {
		t.Errorf("state of the stuck container removed: %v", err)
	}
}

func TestRunBudgetAndInterrupt(t *testing.T) {
	s, _ := newFakeSuite(t, 5*time.Second)
	defer s.Close(context.Background())
	s.cfg.Budget = time.Nanosecond
	for _, r := range s.Run(context.Background(), []string{"env_check", "crashes"}) {
		if r.Status != NotRun || !strings.Contains(r.Reason, "budget") {
			t.Errorf("over budget: %+v", r)
		}
	}
	s.cfg.Budget = 0
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, r := range s.Run(ctx, []string{"env_check"}) {
		if r.Status != NotRun || r.Reason != "interrupted" {
			t.Errorf("interrupted: %+v", r)
		}
	}
}

func TestPrepareRejectsMissingPieces(t *testing.T) {
	sweeper, _ := newCgroupSweeper(nil, strings.NewReader(""))
	dir := t.TempDir()
	cfg := Config{BinDir: dir, RootfsArchive: filepath.Join(dir, "none"), Runtime: "/bin/true", Timeout: time.Second, LogDir: dir}
	if _, err := prepare(context.Background(), cfg, false, sweeper); err == nil || !strings.Contains(err.Error(), HelperProgram) {
		t.Errorf("no runtimetest: err = %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, HelperProgram), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := prepare(context.Background(), cfg, false, sweeper); err == nil || !strings.Contains(err.Error(), "none") {
		t.Errorf("no archive: err = %v", err)
	}
	cfg.RootfsArchive = filepath.Join(dir, HelperProgram)
	cfg.Runtime = filepath.Join(dir, "no-such-runtime")
	if _, err := prepare(context.Background(), cfg, false, sweeper); err == nil || !strings.Contains(err.Error(), "no-such-runtime") {
		t.Errorf("no runtime: err = %v", err)
	}
}

// waitGone waits until pid has exited and been reaped by its new parent.
// The kill that ends it is already sent, so this only waits for the
// kernel and the reaper; the limit is generous and only stops a broken
// runner from hanging the test.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := syscall.Kill(pid, 0)
		if err == syscall.ESRCH || isZombie(pid) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d of the timed-out program still runs", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func isZombie(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name's closing parenthesis.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}
