package state

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/ocikit/ocikit/internal/fsutil"
)

// ProcStartTime returns field 22 (starttime) of /proc/PID/stat and the
// process state letter (field 3).
func ProcStartTime(pid int) (start uint64, state byte, err error) {
	b, err := fsutil.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// The command name (field 2) is in parentheses and may contain
	// anything, spaces and ')' included: parse from the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat: no command field", pid)
	}
	fields := bytes.Fields(b[i+2:])
	// fields[0] is field 3 (state); starttime is field 22, so fields[19].
	if len(fields) < 20 {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat: %d fields", pid, len(fields)+2)
	}
	start, err = strconv.ParseUint(string(fields[19]), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat: starttime: %w", pid, err)
	}
	return start, fields[0][0], nil
}

// Alive reports whether pid is a live (not zombie or dead) process with
// the given start time. A zero start time matches any.
func Alive(pid int, startTime uint64) bool {
	if pid <= 0 {
		return false
	}
	st, s, err := ProcStartTime(pid)
	if err != nil {
		return false
	}
	if s == 'Z' || s == 'X' || s == 'x' {
		return false
	}
	return startTime == 0 || st == startTime
}
