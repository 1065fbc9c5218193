package suite

import (
	"strings"
	"testing"

	"github.com/ocikit/ocikit/test/conformance/tap"
)

func parsed(t *testing.T, s string) tap.Result {
	t.Helper()
	res, err := tap.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name       string
		tap        string
		out        Outcome
		want       Status
		wantReason string
	}{
		{"all ok", "TAP version 13\nok 1 - a\nok 2 # SKIP b\n1..2\n", Outcome{}, Pass, ""},
		{"plan first", "1..1\nok 1\n", Outcome{}, Pass, ""},
		{"two documents", "TAP version 13\nok 1\n1..1\nTAP version 13\n1..0\n", Outcome{}, Pass, ""},
		{"no output, exit 0", "", Outcome{}, Pass, ""},
		{"empty plan, no diagnostic", "TAP version 13\n1..0\n", Outcome{}, Pass, ""},
		{"todo failure", "not ok 1 # TODO later\n1..1\n", Outcome{}, Pass, ""},
		{"not ok", "ok 1\nnot ok 2 - two\n  ---\n  {\"error\": \"boom\"}\n  ...\nnot ok 3 - three\n1..3\n", Outcome{}, Fail, "two: boom (and 1 more)"},
		{"lone diagnostic", "TAP version 13\n  ---\n  {\"error\": \"Hooks MUST be called in the listed order\\nRefer to: x\"}\n  ...\n1..0\n", Outcome{}, Fail, "Hooks MUST be called in the listed order"},
		{"bail out", "ok 1\nBail out! gone\n", Outcome{}, Fail, "bail out: gone"},
		{"exit 1", "TAP version 13\nok 1\n", Outcome{ExitCode: 1}, Crashed, "exit status 1"},
		{"exit 1 after failures", "not ok 1\n1..1\n", Outcome{ExitCode: 1}, Crashed, "exit status 1"},
		{"signal", "", Outcome{ExitCode: -1, Signal: "SIGSEGV"}, Crashed, "killed by SIGSEGV"},
		{"short of plan", "1..3\nok 1\n", Outcome{}, Crashed, "1 points printed, 3 planned"},
		{"no plan", "ok 1\nok 2\n", Outcome{}, Crashed, "no plan after 2 points"},
		{"timeout", "ok 1\n", Outcome{ExitCode: -1, Signal: "SIGKILL", TimedOut: true}, Timeout, "killed after the timeout, 1 of 0 points printed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := Classify(parsed(t, tc.tap), tc.out)
			if got != tc.want || reason != tc.wantReason {
				t.Errorf("Classify = %q, %q; want %q, %q", got, reason, tc.want, tc.wantReason)
			}
		})
	}
}

func TestOneLine(t *testing.T) {
	if got := oneLine("  first\nsecond"); got != "first" {
		t.Errorf("oneLine = %q", got)
	}
	long := strings.Repeat("é", 150) // 300 bytes
	got := oneLine(long)
	if !strings.HasSuffix(got, "…") || len(got) > 204 || !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Errorf("oneLine cut %d bytes badly: %q", len(got), got)
	}
}

func TestPointSummary(t *testing.T) {
	res := parsed(t, "not ok 4\nnot ok 5 - same\n  ---\n  {\"error\": \"same\"}\n  ...\nnot ok 6 - obj\n  ---\n  {\"actual\": 1}\n  ...\n")
	want := []string{"point 4", "same", "obj"}
	for i, p := range res.Points {
		if got := PointSummary(p); got != want[i] {
			t.Errorf("PointSummary(point %d) = %q, want %q", p.Number, got, want[i])
		}
	}
}
