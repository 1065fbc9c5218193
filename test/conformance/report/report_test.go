package report

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ocikit/ocikit/test/conformance/suite"
)

func TestParseExpected(t *testing.T) {
	e, err := ParseExpected(strings.NewReader("# made by hand\n\ncreate\n  state   # trailing comment\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Expected{"create": true, "state": true}); !reflect.DeepEqual(e, want) {
		t.Errorf("ParseExpected = %v, want %v", e, want)
	}
	if got := e.Unknown([]string{"create", "kill"}); !reflect.DeepEqual(got, []string{"state"}) {
		t.Errorf("Unknown = %v", got)
	}
	for _, bad := range []string{"two words\n", "create\ncreate\n", "a/b\n"} {
		if _, err := ParseExpected(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseExpected(%q) accepted", bad)
		}
	}
}

func sampleReport() *Report {
	return &Report{
		Runtime:        "runc",
		RuntimePath:    "/usr/sbin/runc",
		RuntimeVersion: "runc version 1.1.5",
		Suite:          "github.com/opencontainers/runtime-tools v0.9.0",
		Started:        time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Seconds:        71,
		Timeout:        "1m0s",
		Tests: []suite.TestResult{
			{Name: "create", Status: suite.Pass, OK: 4, Planned: 4, Seconds: 0.4},
			{Name: "default", Status: suite.Pass, OK: 270, Skip: 37, Planned: 307},
			{Name: "hooks", Status: suite.Fail, Reason: "Hooks MUST be called in the listed order"},
			{Name: "kill", Status: suite.Crashed, ExitCode: 1, Reason: "exit status 1", OK: 2, NotOK: 1},
			{Name: "linux_seccomp", Status: suite.Fail, OK: 0, NotOK: 2, Reason: strings.Repeat("long ", 40)},
			{Name: "pidfile", Status: suite.Timeout, ExitCode: -1, Signal: "SIGKILL", Leaks: []string{"container x: busy"}},
			{Name: "state", Status: suite.NotRun, ExitCode: -1},
			{Name: "start", Status: suite.Crashed, ExitCode: -1, Signal: "SIGSEGV"},
		},
	}
}

func TestJudge(t *testing.T) {
	r := sampleReport()
	r.Judge(Expected{"create": true, "kill": true, "state": true, "not_in_run": true})
	want := Totals{Programs: 8, Pass: 2, Fail: 2, Crashed: 2, Timeout: 1, NotRun: 1, OK: 276, NotOK: 3, Skip: 37}
	if r.Totals != want {
		t.Errorf("Totals = %+v, want %+v", r.Totals, want)
	}
	if !reflect.DeepEqual(r.Expected, []string{"create", "kill", "state"}) {
		t.Errorf("Expected = %v", r.Expected)
	}
	if !reflect.DeepEqual(r.Regressions, []string{"kill", "state"}) {
		t.Errorf("Regressions = %v", r.Regressions)
	}
	var b bytes.Buffer
	r.Summary(&b)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if last := lines[len(lines)-1]; last != "conformance: 1 passed, 2 failed" {
		t.Errorf("last summary line = %q", last)
	}
	if !strings.Contains(b.String(), "expected to pass but did not (2): kill state") {
		t.Errorf("summary does not name the regressions:\n%s", b.String())
	}

	r.Judge(Expected{})
	b.Reset()
	r.Summary(&b)
	if !strings.HasSuffix(b.String(), "conformance: 0 passed, 0 failed\n") || len(r.Regressions) != 0 {
		t.Errorf("without a list: %v\n%s", r.Regressions, b.String())
	}
}

func TestTable(t *testing.T) {
	r := sampleReport()
	r.Judge(Expected{"create": true, "kill": true})
	var b bytes.Buffer
	r.Table(&b)
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 2+len(r.Tests) {
		t.Fatalf("table has %d lines, want %d:\n%s", len(lines), 2+len(r.Tests), b.String())
	}
	if !strings.HasPrefix(lines[0], "runtime runc (/usr/sbin/runc): runc version 1.1.5; suite github.com/opencontainers/runtime-tools v0.9.0") {
		t.Errorf("title = %q", lines[0])
	}
	for _, want := range []string{
		"create         pass          4       0      0    0.4s  pass",
		"kill           crashed       2       1      0    0.0s  REGRESS   exit status 1",
		"pidfile        timeout       0       0      0    0.0s            left behind: container x: busy",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	for _, l := range lines {
		if n := len([]rune(l)); n > 160 {
			t.Errorf("line of %d characters: %q", n, l)
		}
	}
}

func TestCell(t *testing.T) {
	for _, tc := range []struct {
		t    suite.TestResult
		want string
	}{
		{suite.TestResult{Status: suite.Pass, OK: 270, Skip: 37}, "pass: 270 ok, 37 skip"},
		{suite.TestResult{Status: suite.Pass}, "pass (no TAP point)"},
		{suite.TestResult{Status: suite.Fail}, "fail (diagnostic, no TAP point)"},
		{suite.TestResult{Status: suite.Pass, Skip: 1}, "pass: 0 ok, 1 skip"},
		{suite.TestResult{Status: suite.Fail, OK: 3, NotOK: 2}, "fail: 3 ok, 2 not ok"},
		{suite.TestResult{Status: suite.Crashed, ExitCode: 1}, "crashed (exit 1)"},
		{suite.TestResult{Status: suite.Crashed, ExitCode: 1, OK: 270, Skip: 37}, "crashed: 270 ok, 37 skip, exit 1"},
		{suite.TestResult{Status: suite.Crashed, ExitCode: -1, Signal: "SIGSEGV"}, "crashed (SIGSEGV)"},
		{suite.TestResult{Status: suite.Timeout, OK: 1}, "timeout"},
		{suite.TestResult{Status: suite.NotRun}, "not run"},
	} {
		if got := Cell(tc.t); got != tc.want {
			t.Errorf("Cell(%+v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestJSONRoundTripAndMarkdown(t *testing.T) {
	a := sampleReport()
	a.Judge(Expected{"create": true})
	path := filepath.Join(t.TempDir(), "results-runc.json")
	if err := a.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, a) {
		t.Errorf("round trip changed the report:\n%+v\n%+v", back, a)
	}
	b := &Report{Runtime: "crun", Tests: []suite.TestResult{
		{Name: "create", Status: suite.Pass, OK: 4},
		{Name: "only_crun", Status: suite.Fail, NotOK: 1},
	}}
	b.Judge(nil)
	var out bytes.Buffer
	Markdown(&out, []*Report{a, b})
	got := out.String()
	for _, want := range []string{
		"| program | expected | runc | crun |\n|---|---|---|---|\n",
		"| create | pass | pass: 4 ok | pass: 4 ok |\n",
		"| state |  | not run | — |\n",
		"| only_crun |  | — | fail: 0 ok, 1 not ok |\n",
		"| **programs passed** | **1** | **2 of 8** | **1 of 2** |\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("markdown lacks %q:\n%s", want, got)
		}
	}
	if _, err := ReadJSON(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Errorf("ReadJSON of a missing file: no error")
	}
}
