package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/ocikit/ocikit/test/conformance/suite"
)

// noteWidth bounds the NOTE column so that a row fits a wide terminal; the
// JSON file keeps the whole reason.
const noteWidth = 90

// Table writes one row per program: name, status, TAP point counts, time,
// whether it is expected to pass, and why it did not pass.
func (r *Report) Table(w io.Writer) {
	expected := map[string]bool{}
	for _, n := range r.Expected {
		expected[n] = true
	}
	nameWidth := len("PROGRAM")
	for _, t := range r.Tests {
		nameWidth = max(nameWidth, len(t.Name))
	}
	fmt.Fprintf(w, "runtime %s (%s)", r.Runtime, r.RuntimePath)
	if r.RuntimeVersion != "" {
		fmt.Fprintf(w, ": %s", r.RuntimeVersion)
	}
	fmt.Fprintf(w, "; suite %s\n", r.Suite)
	row := "%-*s  %-8s  %5s  %6s  %5s  %6s  %-8s  %s\n"
	fmt.Fprintf(w, row, nameWidth, "PROGRAM", "STATUS", "OK", "NOT OK", "SKIP", "TIME", "EXPECTED", "NOTE")
	for _, t := range r.Tests {
		exp := ""
		if expected[t.Name] {
			exp = "pass"
			if !t.Status.Passed() {
				exp = "REGRESS"
			}
		}
		fmt.Fprintf(w, row, nameWidth, t.Name, t.Status,
			fmt.Sprint(t.OK), fmt.Sprint(t.NotOK), fmt.Sprint(t.Skip),
			fmt.Sprintf("%.1fs", t.Seconds), exp, clip(note(t), noteWidth))
	}
}

// note is the NOTE cell: the reason for a verdict other than pass, and any
// leftovers.
func note(t suite.TestResult) string {
	s := t.Reason
	if len(t.Leaks) > 0 {
		if s != "" {
			s += "; "
		}
		s += fmt.Sprintf("left behind: %s", strings.Join(t.Leaks, ", "))
	}
	return s
}

// clip shortens s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Cell is a program's entry in the Markdown comparison: its status and
// point counts, or what ended it.
func Cell(t suite.TestResult) string {
	switch t.Status {
	case suite.Timeout, suite.NotRun:
		return string(t.Status)
	case suite.Crashed:
		if t.Signal != "" {
			return "crashed (" + t.Signal + ")"
		}
		if t.OK+t.NotOK == 0 {
			return fmt.Sprintf("crashed (exit %d)", t.ExitCode)
		}
	}
	if t.OK+t.NotOK+t.Skip+t.Todo == 0 {
		// The program's verdict is its exit status, or, for a failure, a
		// diagnostic printed before any point.
		if t.Status == suite.Pass {
			return "pass (no TAP point)"
		}
		return string(t.Status) + " (diagnostic, no TAP point)"
	}
	parts := []string{fmt.Sprintf("%d ok", t.OK)}
	if t.NotOK > 0 {
		parts = append(parts, fmt.Sprintf("%d not ok", t.NotOK))
	}
	if t.Skip > 0 {
		parts = append(parts, fmt.Sprintf("%d skip", t.Skip))
	}
	if t.Status == suite.Crashed {
		parts = append(parts, fmt.Sprintf("exit %d", t.ExitCode))
	}
	return fmt.Sprintf("%s: %s", t.Status, strings.Join(parts, ", "))
}

// Markdown writes a table comparing runs: one row per program (in the
// order of the first report, then any program only later ones have),
// whether it is expected to pass, one column per runtime, and a last row
// with the pass counts.
func Markdown(w io.Writer, reports []*Report) {
	var names []string
	seen := map[string]bool{}
	expected := map[string]bool{}
	cells := make([]map[string]suite.TestResult, len(reports))
	for i, r := range reports {
		cells[i] = map[string]suite.TestResult{}
		for _, n := range r.Expected {
			expected[n] = true
		}
		for _, t := range r.Tests {
			cells[i][t.Name] = t
			if !seen[t.Name] {
				seen[t.Name] = true
				names = append(names, t.Name)
			}
		}
	}
	fmt.Fprint(w, "| program | expected |")
	for _, r := range reports {
		fmt.Fprintf(w, " %s |", r.Runtime)
	}
	fmt.Fprint(w, "\n|---|---|")
	for range reports {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
	for _, n := range names {
		exp := ""
		if expected[n] {
			exp = "pass"
		}
		fmt.Fprintf(w, "| %s | %s |", n, exp)
		for i := range reports {
			t, ok := cells[i][n]
			cell := "—"
			if ok {
				cell = Cell(t)
			}
			fmt.Fprintf(w, " %s |", cell)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "| **programs passed** | **%d** |", len(expected))
	for _, r := range reports {
		fmt.Fprintf(w, " **%d of %d** |", r.Totals.Pass, r.Totals.Programs)
	}
	fmt.Fprintln(w)
}
