package suite

import (
	"fmt"
	"os"
	"regexp"
	"sort"
)

// HelperProgram is the program the validation programs copy into each
// bundle and run inside the container; it is not a test of its own.
const HelperProgram = "runtimetest"

// Discover lists the validation programs in dir: every executable file but
// HelperProgram, sorted by name.
func Discover(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list validation programs in %q: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if e.Name() == HelperProgram || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("list validation programs in %q: %w", dir, err)
		}
		if info.Mode().Perm()&0o111 != 0 {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("no validation programs in %q", dir)
	}
	return names, nil
}

// Filter keeps the names that match pattern, a regular expression; an
// empty pattern keeps all.
func Filter(names []string, pattern string) ([]string, error) {
	if pattern == "" {
		return names, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("test filter %q: %w", pattern, err)
	}
	var out []string
	for _, n := range names {
		if re.MatchString(n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("test filter %q matches no validation program", pattern)
	}
	return out, nil
}
