package suite

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ocikit/ocikit/test/conformance/tap"
)

// Status is the verdict on one validation program.
type Status string

const (
	// Pass: the program exited 0, its TAP was complete (as many points as
	// its plans announce) and no point failed. A program that prints no
	// point passes on exit status 0 with no diagnostic: the *_fail
	// programs report success that way.
	Pass Status = "pass"
	// Fail: a point said "not ok", the program bailed out, or it printed a
	// diagnostic block with no point (how the hook programs report a
	// failure that happens before their first point).
	Fail Status = "fail"
	// Crashed: the program exited non-zero (the suite's util.Fatal, usually
	// after a runtime command failed), was killed by a signal, or its TAP
	// stopped short of its plan.
	Crashed Status = "crashed"
	// Timeout: the program ran past its timeout and was killed.
	Timeout Status = "timeout"
	// NotRun: the suite's time budget ran out before the program started,
	// or the program could not be started.
	NotRun Status = "not run"
)

// Passed reports whether s counts as a pass.
func (s Status) Passed() bool { return s == Pass }

// Outcome is how a program's process ended.
type Outcome struct {
	// ExitCode is the exit status, or -1 when a signal ended the program.
	ExitCode int
	// Signal names the signal that ended the program, if one did.
	Signal string
	// TimedOut is set when the runner killed the program at its timeout.
	TimedOut bool
}

// Classify judges a finished program from its TAP and how it ended, and
// returns a one-line reason for any verdict but Pass.
func Classify(res tap.Result, out Outcome) (Status, string) {
	_, notOK, _, _ := res.Counts()
	switch {
	case out.TimedOut:
		return Timeout, fmt.Sprintf("killed after the timeout, %d of %d points printed", len(res.Points), res.Planned())
	case out.Signal != "":
		return Crashed, "killed by " + out.Signal
	case out.ExitCode != 0:
		return Crashed, fmt.Sprintf("exit status %d", out.ExitCode)
	case res.BailOut:
		return Fail, "bail out: " + res.BailOutReason
	case notOK > 0:
		return Fail, firstFailure(res)
	case len(res.Points) == 0 && len(res.Orphans) > 0:
		return Fail, oneLine(res.Orphans[0].Message())
	case res.Empty():
		return Pass, ""
	case len(res.Plans) == 0:
		return Crashed, fmt.Sprintf("no plan after %d points", len(res.Points))
	case res.Planned() != len(res.Points):
		return Crashed, fmt.Sprintf("%d points printed, %d planned", len(res.Points), res.Planned())
	}
	return Pass, ""
}

// firstFailure describes the first failed point and how many failed.
func firstFailure(res tap.Result) string {
	n := 0
	first := ""
	for _, p := range res.Points {
		if !p.Failed() {
			continue
		}
		n++
		if first == "" {
			first = PointSummary(p)
		}
	}
	if n > 1 {
		return fmt.Sprintf("%s (and %d more)", first, n-1)
	}
	return first
}

// PointSummary describes a failed point: its description, and the error
// of its diagnostic when that says more.
func PointSummary(p tap.Point) string {
	s := p.Description
	if s == "" {
		s = fmt.Sprintf("point %d", p.Number)
	}
	if p.Diagnostic != nil {
		if msg := oneLine(p.Diagnostic.Message()); msg != "" && msg != s && !strings.HasPrefix(msg, "{") {
			s += ": " + msg
		}
	}
	return oneLine(s)
}

// oneLine keeps the first line of s, and at most about 200 bytes of it,
// cut at a character boundary.
func oneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		i := 200
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "…"
	}
	return s
}
