package commands

import (
	"github.com/ocikit/ocikit/internal/units"
	"strconv"
	"strings"

	"github.com/ocikit/ocikit/internal/cli"
)

// parseSize reads a memory size: -1 (unlimited), or a size as
// units.ParseSize reads it.
func parseSize(flag, s string) (int64, error) {
	if strings.TrimSpace(s) == "-1" {
		return -1, nil
	}
	n, err := units.ParseSize(s)
	if err != nil {
		return 0, cli.Usagef("%s: %v (or -1 for no limit)", flag, err)
	}
	return n, nil
}

// parseUint reads a non-negative whole number.
func parseUint(flag, s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, cli.Usagef("%s: %q is not a non-negative whole number", flag, s)
	}
	return n, nil
}

// parseLimit reads a whole number that may be -1 (no limit), but no
// lower.
func parseLimit(flag, s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < -1 {
		return 0, cli.Usagef("%s: %q is not -1 or a non-negative whole number", flag, s)
	}
	return n, nil
}

// checkList checks a cpuset list such as "0-2,4": comma-separated
// numbers and ascending ranges. The kernel would refuse a bad one too,
// but only after the other limits of the update were written.
func checkList(flag, s string) error {
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 32)
		if err != nil {
			return cli.Usagef("%s: %q is not a list such as 0-2,4", flag, s)
		}
		if isRange {
			b, err := strconv.ParseUint(hi, 10, 32)
			if err != nil || b < a {
				return cli.Usagef("%s: %q is not a list such as 0-2,4 (range %q)", flag, s, part)
			}
		}
	}
	return nil
}
