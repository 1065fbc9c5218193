package report

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

// Expected is the set of validation programs every run must pass.
type Expected map[string]bool

var programName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// ParseExpected reads an expected-pass list: one program name per line;
// blank lines and everything after a "#" are ignored.
func ParseExpected(r io.Reader) (Expected, error) {
	e := Expected{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !programName.MatchString(line) {
			return nil, fmt.Errorf("line %d: %q is not a program name", n, line)
		}
		if e[line] {
			return nil, fmt.Errorf("line %d: %s listed twice", n, line)
		}
		e[line] = true
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return e, nil
}

// LoadExpected reads the expected-pass list at path.
func LoadExpected(path string) (Expected, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open expected-pass list %q: %w", path, err)
	}
	defer f.Close()
	e, err := ParseExpected(f)
	if err != nil {
		return nil, fmt.Errorf("expected-pass list %q: %w", path, err)
	}
	return e, nil
}

// Unknown returns the listed names that are not among programs, sorted: a
// typo, or a program the suite no longer has.
func (e Expected) Unknown(programs []string) []string {
	known := map[string]bool{}
	for _, p := range programs {
		known[p] = true
	}
	var out []string
	for name := range e {
		if !known[name] {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
