package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ocikit/ocikit/test/conformance/suite"
)

// Report is one run against one runtime, as written to
// results-<runtime>.json.
type Report struct {
	Runtime        string    `json:"runtime"`
	RuntimePath    string    `json:"runtime_path"`
	RuntimeVersion string    `json:"runtime_version,omitempty"`
	Suite          string    `json:"suite"`
	Kernel         string    `json:"kernel,omitempty"`
	Started        time.Time `json:"started"`
	Seconds        float64   `json:"seconds"`
	Timeout        string    `json:"timeout"`
	// Tests are the programs in the order they ran.
	Tests  []suite.TestResult `json:"tests"`
	Totals Totals             `json:"totals"`
	// Expected lists the programs of this run that are expected to pass.
	Expected []string `json:"expected_pass"`
	// Regressions lists the expected programs that did not pass.
	Regressions []string `json:"regressions"`
	// Leaks lists what the end-of-run cleanup could not remove.
	Leaks []string `json:"leaks,omitempty"`
}

// Totals counts programs by status and TAP points by kind.
type Totals struct {
	Programs int `json:"programs"`
	Pass     int `json:"pass"`
	Fail     int `json:"fail"`
	Crashed  int `json:"crashed"`
	Timeout  int `json:"timeout"`
	NotRun   int `json:"not_run"`
	OK       int `json:"ok"`
	NotOK    int `json:"not_ok"`
	Skip     int `json:"skip"`
	Todo     int `json:"todo"`
}

// Judge fills Totals, Expected and Regressions from Tests and the
// expected-pass list.
func (r *Report) Judge(expected Expected) {
	r.Totals = Totals{Programs: len(r.Tests)}
	r.Expected, r.Regressions = []string{}, []string{}
	for _, t := range r.Tests {
		switch t.Status {
		case suite.Pass:
			r.Totals.Pass++
		case suite.Fail:
			r.Totals.Fail++
		case suite.Crashed:
			r.Totals.Crashed++
		case suite.Timeout:
			r.Totals.Timeout++
		default:
			r.Totals.NotRun++
		}
		r.Totals.OK += t.OK
		r.Totals.NotOK += t.NotOK
		r.Totals.Skip += t.Skip
		r.Totals.Todo += t.Todo
		if expected[t.Name] {
			r.Expected = append(r.Expected, t.Name)
			if !t.Status.Passed() {
				r.Regressions = append(r.Regressions, t.Name)
			}
		}
	}
}

// WriteJSON writes the report to path, through a temporary file so that a
// reader never sees half a report.
func (r *Report) WriteJSON(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".results-*.json")
	if err != nil {
		return fmt.Errorf("write results %q: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write results %q: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write results %q: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write results %q: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// ReadJSON reads a report written by WriteJSON.
func ReadJSON(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("read results %q: %w", path, err)
	}
	return &r, nil
}

// Summary writes the closing lines: totals, the verdict on the expected
// programs, and a last line "conformance: P passed, F failed" that counts
// the expected programs only, since only they decide the exit status.
func (r *Report) Summary(w io.Writer) {
	t := r.Totals
	fmt.Fprintf(w, "total: %d programs: %d pass, %d fail, %d crashed, %d timeout, %d not run; TAP points: %d ok, %d not ok, %d skip, %d todo (%.0fs)\n",
		t.Programs, t.Pass, t.Fail, t.Crashed, t.Timeout, t.NotRun, t.OK, t.NotOK, t.Skip, t.Todo, r.Seconds)
	for _, l := range r.Leaks {
		fmt.Fprintf(w, "left behind: %s\n", l)
	}
	if len(r.Regressions) > 0 {
		fmt.Fprintf(w, "expected to pass but did not (%d):", len(r.Regressions))
		for _, n := range r.Regressions {
			fmt.Fprintf(w, " %s", n)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "conformance: %d passed, %d failed\n", len(r.Expected)-len(r.Regressions), len(r.Regressions))
}
