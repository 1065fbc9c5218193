package vm

import (
	"slices"
	"strings"
	"testing"
)

// A console as the guest prints it: CRLF line ends, parallel tests
// interleaved with === NAME switches, a skip, a failing subtest and the
// end marker.
const sampleConsole = "vm: kernel 6.1.0, cgroup2 controllers: cpu memory pids\r\n" +
	"up-1 2.98\r\n" +
	"=== RUN   TestA\r\n" +
	"=== PAUSE TestA\r\n" +
	"=== RUN   TestB\r\n" +
	"    b_test.go:9: needs a cgroup v1 cpuset hierarchy\r\n" +
	"--- SKIP: TestB (0.00s)\r\n" +
	"=== RUN   TestC\r\n" +
	"=== RUN   TestC/sub\r\n" +
	"    c_test.go:20: memory.max = max, want 1048576\r\n" +
	"=== CONT  TestA\r\n" +
	"    a_test.go:3: a's log\r\n" +
	"=== NAME  TestC/sub\r\n" +
	"    c_test.go:21: second line\r\n" +
	"--- FAIL: TestC (1.20s)\r\n" +
	"    --- FAIL: TestC/sub (1.10s)\r\n" +
	"--- PASS: TestA (0.50s)\r\n" +
	"FAIL\r\n" +
	"end-1 1\r\n"

func TestParseConsole(t *testing.T) {
	var seen int
	run, err := parseConsole(strings.NewReader(sampleConsole), "end-1", "up-1", func(string) { seen++ })
	if err != nil {
		t.Fatal(err)
	}
	if seen != strings.Count(sampleConsole, "\n") {
		t.Errorf("lineFn saw %d lines, want %d", seen, strings.Count(sampleConsole, "\n"))
	}
	if !run.ended || run.status != 1 {
		t.Errorf("ended, status = %v, %d; want true, 1", run.ended, run.status)
	}
	if run.bootLine != 1 {
		t.Errorf("bootLine = %d, want 1", run.bootLine)
	}
	want := []result{
		{"TestB", "SKIP", "0.00s"},
		{"TestC", "FAIL", "1.20s"},
		{"TestC/sub", "FAIL", "1.10s"},
		{"TestA", "PASS", "0.50s"},
	}
	if !slices.Equal(run.results, want) {
		t.Errorf("results = %v, want %v", run.results, want)
	}
	if p, f, s := run.counts(); p != 1 || f != 2 || s != 1 {
		t.Errorf("counts = %d, %d, %d; want 1, 2, 1", p, f, s)
	}
	c := strings.Join(run.linesOf("TestC"), "\n")
	for _, w := range []string{"memory.max = max", "second line", "--- FAIL: TestC/sub"} {
		if !strings.Contains(c, w) {
			t.Errorf("TestC's lines lack %q:\n%s", w, c)
		}
	}
	if strings.Contains(c, "a's log") {
		t.Errorf("TestC's lines hold TestA's output:\n%s", c)
	}
	if got := skipReason(run.linesOf("TestB")); got != "b_test.go:9: needs a cgroup v1 cpuset hierarchy" {
		t.Errorf("skipReason = %q", got)
	}
}

func TestParseConsoleNoMarker(t *testing.T) {
	run, err := parseConsole(strings.NewReader("Kernel panic - not syncing: Attempted to kill init!\r\n"), "end-1", "up-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if run.ended || run.bootLine != -1 {
		t.Errorf("ended = %v, bootLine = %d; want false, -1", run.ended, run.bootLine)
	}
	if !strings.Contains(run.tail(5), "Kernel panic") {
		t.Errorf("tail = %q", run.tail(5))
	}
}

func TestShellWords(t *testing.T) {
	if got := shellWords([]string{"-test.run=^TestA$", "it's"}); got != `'-test.run=^TestA$' 'it'\''s'` {
		t.Errorf("shellWords = %s", got)
	}
}
