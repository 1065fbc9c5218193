package resctrl

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// schemata is a parsed schemata file: resource name, then domain id,
// then value. The kernel pads resource names with spaces to align them
// and prints every domain; a spec line may name only some.
type schemata map[string]map[string]string

// parseSchemata reads lines of "RES:dom=val;dom=val". A line without a
// colon is skipped: the kernel prints none, and nothing is compared
// against it.
func parseSchemata(text string) schemata {
	s := schemata{}
	for _, line := range strings.Split(text, "\n") {
		res, doms, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		res = strings.ToUpper(strings.TrimSpace(res))
		if s[res] == nil {
			s[res] = map[string]string{}
		}
		for _, d := range strings.Split(doms, ";") {
			if dom, val, ok := strings.Cut(d, "="); ok {
				s[res][strings.TrimSpace(dom)] = strings.TrimSpace(val)
			}
		}
	}
	return s
}

// sameValue compares two values of one domain: cache bitmasks are hex
// and the kernel may print them with leading zeros, bandwidths are
// decimal; read as hex, both compare right in either case.
func sameValue(a, b string) bool {
	if a == b {
		return true
	}
	x, errA := strconv.ParseUint(a, 16, 64)
	y, errB := strconv.ParseUint(b, 16, 64)
	return errA == nil && errB == nil && x == y
}

// compare checks that every domain value of lines holds in the schemata
// file of dir, and names one that does not.
func compare(dir string, lines []string) error {
	if len(lines) == 0 {
		return nil
	}
	file := filepath.Join(dir, "schemata")
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("linux.intelRdt: read %s: %w", file, err)
	}
	have := parseSchemata(string(data))
	for res, doms := range parseSchemata(strings.Join(lines, "\n")) {
		for dom, want := range doms {
			got, ok := have[res][dom]
			if !ok {
				return fmt.Errorf("linux.intelRdt: the existing group %s has no %s domain %s", dir, res, dom)
			}
			if !sameValue(got, want) {
				return fmt.Errorf("linux.intelRdt: the existing group %s has %s:%s=%s, the spec asks for %s", dir, res, dom, got, want)
			}
		}
	}
	return nil
}
