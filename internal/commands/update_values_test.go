package commands

import "testing"

func TestParseSize(t *testing.T) {
	good := map[string]int64{"-1": -1, "0": 0, "4096": 4096, "1k": 1 << 10, "32m": 32 << 20, "2G": 2 << 30, "1gib": 1 << 30, "3mb": 3 << 20}
	for in, want := range good {
		if got, err := parseSize("--memory", in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "m", "12x", "-2", "99999999999p"} {
		if _, err := parseSize("--memory", in); err == nil {
			t.Errorf("parseSize(%q) succeeded", in)
		}
	}
}

func TestCheckList(t *testing.T) {
	for _, in := range []string{"0", "0-2", "0-2,4", "1,3,5-7"} {
		if err := checkList("--cpuset-cpus", in); err != nil {
			t.Errorf("checkList(%q): %v", in, err)
		}
	}
	for _, in := range []string{"", "a", "3-1", "1,,2", "1-", "-1"} {
		if err := checkList("--cpuset-cpus", in); err == nil {
			t.Errorf("checkList(%q) succeeded", in)
		}
	}
}

func TestParseLimit(t *testing.T) {
	if n, err := parseLimit("--pids-limit", "-1"); err != nil || n != -1 {
		t.Errorf("-1: %d, %v", n, err)
	}
	if _, err := parseLimit("--pids-limit", "-2"); err == nil {
		t.Error("-2 accepted")
	}
}
