package units

import "testing"

func TestParseSize(t *testing.T) {
	good := map[string]int64{
		"0": 0, "4096": 4096, "1k": 1 << 10, "32m": 32 << 20, "2G": 2 << 30,
		"1gib": 1 << 30, "3mb": 3 << 20, "1.5g": 3 << 29, " 7 ": 7, "1p": 1 << 50, "512KiB": 512 << 10,
	}
	for in, want := range good {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "m", "12x", "-2", "-1", "1.2.3g", "99999999999p", "1e3", "k1"} {
		if n, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, n)
		}
	}
}
