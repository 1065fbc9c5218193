package main

import (
	"testing"
	"time"
)

func TestParseHelperReport(t *testing.T) {
	out := `{"id":"c1","status":"created"}` + "\n\nrusage-helper: maxrss_kb=7640 cpu_ns=3500000"
	s, err := parseHelperReport(out)
	if err != nil {
		t.Fatal(err)
	}
	if s.MaxRSS != 7640 || s.CPU != 3500*time.Microsecond {
		t.Errorf("got %+v", s)
	}
	// A tool that printed something resembling the prefix earlier: the
	// helper's own line is the last one.
	s, err = parseHelperReport("rusage-helper: maxrss_kb=1 cpu_ns=1\nrusage-helper: maxrss_kb=2 cpu_ns=3\n")
	if err != nil || s.MaxRSS != 2 {
		t.Errorf("last report not taken: %+v, %v", s, err)
	}
	for _, bad := range []string{"", "no report here", "rusage-helper: maxrss_kb=x cpu_ns=1"} {
		if _, err := parseHelperReport(bad); err == nil {
			t.Errorf("parseHelperReport(%q) accepted", bad)
		}
	}
}
