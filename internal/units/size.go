package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// sizeUnits are the suffixes of a size, powers of 1024.
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
	"t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40,
	"p": 1 << 50, "pb": 1 << 50, "pib": 1 << 50,
}

// ParseSize reads a size: a non-negative number, whole or decimal, with
// an optional suffix k, m, g, t or p (also kb/kib and so on, in any case),
// and returns whole bytes. Callers give "no limit" their own spelling
// (-1, unlimited) before calling it.
func ParseSize(s string) (int64, error) {
	lower := strings.ToLower(strings.TrimSpace(s))
	i := strings.IndexFunc(lower, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(lower)
	}
	unit, ok := sizeUnits[lower[i:]]
	if !ok || i == 0 {
		return 0, fmt.Errorf("%q is not a size: want a number of bytes with an optional k, m, g, t or p suffix", s)
	}
	n, err := strconv.ParseFloat(lower[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size: want a number of bytes with an optional k, m, g, t or p suffix", s)
	}
	b := n * unit
	if b >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return int64(b), nil
}
