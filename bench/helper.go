package main

import (
	"fmt"
	"strings"
	"time"
)

// helperPrefix starts the report line of the rusage helper
// (bench/rusage), which runs a tool and prints the tool's wait4 rusage.
const helperPrefix = "rusage-helper:"

// parseHelperReport finds the helper's report in a command's output: the
// last line starting with helperPrefix, whatever the tool wrote before.
func parseHelperReport(out string) (Sample, error) {
	i := strings.LastIndex(out, helperPrefix)
	if i < 0 {
		return Sample{}, fmt.Errorf("no rusage report in output %q", out)
	}
	var kb, ns int64
	line, _, _ := strings.Cut(out[i+len(helperPrefix):], "\n")
	if _, err := fmt.Sscanf(strings.TrimSpace(line), "maxrss_kb=%d cpu_ns=%d", &kb, &ns); err != nil {
		return Sample{}, fmt.Errorf("rusage report %q: %w", line, err)
	}
	return Sample{MaxRSS: kb, CPU: time.Duration(ns)}, nil
}
