package commands

import (
	"math"
	"strconv"
	"strings"

	"github.com/ocikit/ocikit/internal/cli"
)

// sizeUnits are the suffixes of a size, powers of 1024 as in runc and
// docker's memory flags (a "1g" container limit is 1 GiB).
var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
	"t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40,
	"p": 1 << 50, "pb": 1 << 50, "pib": 1 << 50,
}

// parseSize reads a memory size: -1 (unlimited), or a whole number of
// bytes with an optional unit suffix, in any case.
func parseSize(flag, s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	lower := strings.ToLower(strings.TrimSpace(s))
	i := strings.IndexFunc(lower, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(lower)
	}
	unit, ok := sizeUnits[lower[i:]]
	if i == 0 || !ok {
		return 0, cli.Usagef("%s: %q is not a size: want -1 or a number of bytes with an optional k, m, g, t or p suffix", flag, s)
	}
	n, err := strconv.ParseInt(lower[:i], 10, 64)
	if err != nil || n > math.MaxInt64/unit {
		return 0, cli.Usagef("%s: %q is too large", flag, s)
	}
	return n * unit, nil
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
