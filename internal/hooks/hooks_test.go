package hooks

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// capture is a slog.Handler keeping every record, for checking what the
// hooks logged.
type capture struct {
	mu   sync.Mutex
	recs []map[string]string
}

func (c *capture) Enabled(context.Context, slog.Level) bool { return true }
func (c *capture) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *capture) WithGroup(string) slog.Handler            { return c }
func (c *capture) Handle(_ context.Context, r slog.Record) error {
	m := map[string]string{"level": r.Level.String(), "msg": r.Message}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	c.mu.Lock()
	c.recs = append(c.recs, m)
	c.mu.Unlock()
	return nil
}

func (c *capture) lines(stream string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.recs {
		if m["msg"] == "hook output" && m["stream"] == stream {
			out = append(out, m["line"])
		}
	}
	return out
}

func needShell(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
}

// shHook is a hook running script with /bin/sh, argv[0] "hook-sh".
func shHook(script string) specs.Hook {
	return specs.Hook{Path: "/bin/sh", Args: []string{"hook-sh", "-c", script}}
}

var testState = &specs.State{
	Version: "1.3.0", ID: "c1", Status: specs.StateCreating, Pid: 42,
	Bundle: "/b", Annotations: map[string]string{"k": "v"},
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStateOnStdin(t *testing.T) {
	needShell(t)
	out := filepath.Join(t.TempDir(), "state")
	if err := Run(CreateRuntime, []specs.Hook{shHook("cat > " + out)}, testState, nil); err != nil {
		t.Fatal(err)
	}
	var got specs.State
	if err := json.Unmarshal([]byte(read(t, out)), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, testState) {
		t.Errorf("state on stdin: %+v, want %+v", got, *testState)
	}
}

func TestArgsExactly(t *testing.T) {
	needShell(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "args")
	// argv[0] is the spec's, not the path.
	script := `tr '\0' '|' < /proc/$$/cmdline > ` + out
	h := specs.Hook{Path: "/bin/sh", Args: []string{"not-sh", "-c", script, "a b", "", "c"}}
	if err := RunHook(Prestart, 0, h, []byte("{}"), nil); err != nil {
		t.Fatal(err)
	}
	if got, want := read(t, out), "not-sh|-c|"+script+"|a b||c|"; got != want {
		t.Errorf("argv: %q, want %q", got, want)
	}

	// No args: argv is the path alone.
	script = filepath.Join(dir, "hook.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s|%s' \"$0\" \"$#\" > "+out+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := RunHook(Prestart, 0, specs.Hook{Path: script}, []byte("{}"), nil); err != nil {
		t.Fatal(err)
	}
	if got, want := read(t, out), script+"|0"; got != want {
		t.Errorf("argv without args: %q, want %q", got, want)
	}
}

func TestEnvExactly(t *testing.T) {
	needShell(t)
	t.Setenv("OCIKIT_HOOK_TEST_LEAK", "1")
	out := filepath.Join(t.TempDir(), "env")
	// The shell's own variables (PWD, SHLVL...) are left out by reading
	// the environment block the kernel gave the process.
	dump := "tr '\\0' '\\n' < /proc/$$/environ > " + out
	cases := []struct {
		name string
		env  []string
		want string
	}{
		{"given", []string{"A=1", "B=two words", "C="}, "A=1\nB=two words\nC=\n"},
		{"none", nil, ""},
		{"empty", []string{}, ""},
	}
	for _, c := range cases {
		h := shHook(dump)
		h.Env = c.env
		if err := RunHook(Poststop, 0, h, []byte("{}"), nil); err != nil {
			t.Fatal(err)
		}
		if got := read(t, out); got != c.want {
			t.Errorf("%s: environment %q, want %q", c.name, got, c.want)
		}
	}
}

func TestOutputToLog(t *testing.T) {
	needShell(t)
	c := &capture{}
	h := shHook("echo one; echo two; printf three; echo oops >&2")
	if err := RunHook(Poststart, 2, h, []byte("{}"), slog.New(c)); err != nil {
		t.Fatal(err)
	}
	if got, want := c.lines("stdout"), []string{"one", "two", "three"}; !reflect.DeepEqual(got, want) {
		t.Errorf("stdout lines %q, want %q", got, want)
	}
	if got, want := c.lines("stderr"), []string{"oops"}; !reflect.DeepEqual(got, want) {
		t.Errorf("stderr lines %q, want %q", got, want)
	}
	for _, m := range c.recs {
		if m["hook"] != "poststart[2]" || m["level"] != "INFO" {
			t.Errorf("record %v: want hook poststart[2] at level INFO", m)
		}
	}
}

func TestFailure(t *testing.T) {
	needShell(t)
	dir := t.TempDir()
	second := filepath.Join(dir, "second")
	hs := []specs.Hook{shHook("true"), shHook("echo first; echo 'it broke' >&2; exit 3"), shHook("touch " + second)}
	err := Run(CreateContainer, hs, testState, nil)
	if err == nil {
		t.Fatal("a hook exiting 3 did not fail")
	}
	want := `hook createContainer[1] "/bin/sh": exit status 3 (stderr: "it broke")`
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if _, err := os.Stat(second); err == nil {
		t.Error("Run went on after a failed hook")
	}

	// RunWarn logs the failure and runs the rest.
	c := &capture{}
	RunWarn(Poststop, hs, testState, slog.New(c))
	if _, err := os.Stat(second); err != nil {
		t.Errorf("RunWarn stopped at the failed hook: %v", err)
	}
	warned := false
	for _, m := range c.recs {
		if m["level"] == "WARN" && m["hook"] == "poststop[1]" && strings.Contains(m["error"], "exit status 3") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning for the failed hook in %v", c.recs)
	}

	err = RunHook(Prestart, 0, specs.Hook{Path: filepath.Join(dir, "missing")}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "no such file or directory") || strings.Count(err.Error(), "missing") != 1 {
		t.Errorf("missing hook: %v", err)
	}
}

func TestTimeoutKillsGroup(t *testing.T) {
	needShell(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	one := 1
	h := shHook("sleep 100 & echo $! > " + pidFile + "; wait")
	h.Timeout = &one
	err := RunHook(StartContainer, 0, h, []byte("{}"), nil)
	if err == nil || !strings.Contains(err.Error(), "timed out after 1s") {
		t.Fatalf("hook past its timeout: %v", err)
	}
	pid, perr := strconv.Atoi(strings.TrimSpace(read(t, pidFile)))
	if perr != nil {
		t.Fatal(perr)
	}
	// The background sleep was in the hook's process group: it is killed
	// too (and reaped by whoever inherited it).
	deadline := time.Now().Add(30 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the hook's child %d outlived the timeout", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports whether pid is a process that has not exited.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && s[i+2] != 'Z' && s[i+2] != 'X'
}

func TestUnreadStateAndLeftOutput(t *testing.T) {
	needShell(t)
	big := *testState
	big.Annotations = map[string]string{"big": strings.Repeat("x", 1<<20)}
	if err := Run(Poststop, []specs.Hook{shHook("exit 0")}, &big, nil); err != nil {
		t.Errorf("a hook that does not read its stdin: %v", err)
	}

	// A hook leaving a process that holds its stdout still ends.
	pidFile := filepath.Join(t.TempDir(), "pid")
	h := shHook("sleep 100 & echo $! > " + pidFile)
	if err := RunHook(Poststart, 0, h, []byte("{}"), nil); err != nil {
		t.Errorf("a hook leaving a daemon: %v", err)
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(read(t, pidFile))); err == nil && pid > 0 {
		p, _ := os.FindProcess(pid)
		p.Kill()
	}
}

func TestValidate(t *testing.T) {
	zero := 0
	s := &specs.Spec{Hooks: &specs.Hooks{
		CreateRuntime: []specs.Hook{{Path: "/ok"}, {Path: "rel"}},
		Poststop:      []specs.Hook{{Path: ""}, {Path: "/t", Timeout: &zero}},
	}}
	err := Validate(s)
	if err == nil {
		t.Fatal("bad hooks accepted")
	}
	for _, want := range []string{
		`hooks.createRuntime[1].path: "rel" is not an absolute path`,
		"hooks.poststop[0].path: required",
		"hooks.poststop[1].timeout: must be greater than zero, not 0",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if err := Validate(&specs.Spec{}); err != nil {
		t.Errorf("no hooks: %v", err)
	}
	if !Any(s, Prestart, Poststop) || Any(s, Prestart, StartContainer) {
		t.Error("Any is wrong")
	}
}
