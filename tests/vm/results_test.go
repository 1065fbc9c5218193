package vm

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// result is one guest test's outcome, as its `--- PASS|FAIL|SKIP` line
// gave it.
type result struct {
	name    string // e.g. TestPause or TestPause/frozen
	outcome string // PASS, FAIL or SKIP
	elapsed string // as go test printed it, e.g. 0.31s
}

// guestRun is what the serial console said about one guest run.
type guestRun struct {
	results []result
	// output holds every console line in order, each with the test it
	// belongs to (empty outside any test), so a failure can be shown
	// with its own lines only, even when parallel tests interleave.
	output []outputLine
	// ended is whether the end marker was seen; status is the test
	// binary's exit status it carried.
	ended  bool
	status int
	// bootLine is the index in output of the guest's first line, for
	// measuring the boot; -1 when it never came.
	bootLine int
}

type outputLine struct {
	test string
	text string
}

var (
	resultRE = regexp.MustCompile(`^\s*--- (PASS|FAIL|SKIP): (\S+) \(([0-9.]+s)\)\s*$`)
	// go test -v names the test each following line belongs to: RUN and
	// CONT when one starts or resumes, NAME when output switches to it.
	headerRE = regexp.MustCompile(`^=== (?:RUN|PAUSE|CONT|NAME)\s+(\S+)\s*$`)
)

// parseConsole reads the guest's serial console until EOF. marker is the
// run's end marker: the guest prints "<marker> <status>" once the test
// binary has exited. lineFn, if not nil, sees every line as it arrives.
func parseConsole(r io.Reader, marker, bootMarker string, lineFn func(string)) (*guestRun, error) {
	run := &guestRun{bootLine: -1}
	current := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for sc.Scan() {
		// The serial console ends lines with CRLF.
		line := strings.TrimRight(sc.Text(), "\r")
		if lineFn != nil {
			lineFn(line)
		}
		if rest, ok := strings.CutPrefix(line, marker+" "); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(rest)); err == nil {
				run.ended, run.status = true, n
			}
			continue
		}
		if run.bootLine < 0 && strings.Contains(line, bootMarker) {
			run.bootLine = len(run.output)
		}
		if m := headerRE.FindStringSubmatch(line); m != nil {
			current = m[1]
		} else if m := resultRE.FindStringSubmatch(line); m != nil {
			run.results = append(run.results, result{name: m[2], outcome: m[1], elapsed: m[3]})
			current = m[2]
		} else if line == "PASS" || line == "FAIL" {
			current = ""
		}
		run.output = append(run.output, outputLine{test: current, text: line})
	}
	return run, sc.Err()
}

// linesOf returns the console lines of test name and of its subtests.
func (g *guestRun) linesOf(name string) []string {
	var out []string
	for _, l := range g.output {
		if l.test == name || strings.HasPrefix(l.test, name+"/") {
			out = append(out, l.text)
		}
	}
	return out
}

// counts returns how many tests (subtests included) passed, failed and
// skipped.
func (g *guestRun) counts() (pass, fail, skip int) {
	for _, r := range g.results {
		switch r.outcome {
		case "PASS":
			pass++
		case "FAIL":
			fail++
		case "SKIP":
			skip++
		}
	}
	return pass, fail, skip
}

// tail returns the last n console lines, for a run that ended badly.
func (g *guestRun) tail(n int) string {
	start := max(len(g.output)-n, 0)
	var b strings.Builder
	for _, l := range g.output[start:] {
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return b.String()
}
