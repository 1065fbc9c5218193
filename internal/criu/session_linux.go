package criu

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// SharesSession reports whether the process pid, the root of a tree to
// dump, is not the leader of its own session and process group: it shares
// them with a process outside the tree (the runtime that started it), which
// criu refuses to dump ("A session leader of ... is outside of its pid
// namespace") unless told it is a shell job. An ocikit init without a
// terminal keeps the session of the tool that created it.
func SharesSession(procRoot string, pid int) (bool, error) {
	p := filepath.Join(procRoot, strconv.Itoa(pid), "stat")
	b, err := os.ReadFile(p)
	if err != nil {
		return false, fmt.Errorf("read %q: %w", p, err)
	}
	pgrp, sid, err := parseStatIDs(b)
	if err != nil {
		return false, fmt.Errorf("read %q: %w", p, err)
	}
	return pgrp != pid || sid != pid, nil
}

// parseStatIDs returns the process group and session of a /proc/PID/stat
// line: fields 5 and 6, counted after the command name, which may hold
// spaces and parentheses and ends at the last ')'.
func parseStatIDs(b []byte) (pgrp, sid int, err error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("no command name in %q", b)
	}
	f := bytes.Fields(b[i+1:])
	// state ppid pgrp session ...
	if len(f) < 4 {
		return 0, 0, fmt.Errorf("short stat line %q", b)
	}
	if pgrp, err = strconv.Atoi(string(f[2])); err != nil {
		return 0, 0, fmt.Errorf("process group in %q: %w", b, err)
	}
	if sid, err = strconv.Atoi(string(f[3])); err != nil {
		return 0, 0, fmt.Errorf("session in %q: %w", b, err)
	}
	return pgrp, sid, nil
}
