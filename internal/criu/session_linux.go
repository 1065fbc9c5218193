package criu

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Session is where the root of a tree to dump stands in its session and
// process group, in its own pid namespace, as criu sees it.
type Session struct {
	// Leader: the process leads its session and its process group.
	Leader bool
	// Outside: its session's leader is outside its pid namespace (the
	// namespace shows the session as 0). criu cannot dump such a tree,
	// shell job or not: "A session leader of ... is outside of its pid
	// namespace". An ocikit init without a terminal keeps the session
	// of the tool that created it, so its program must call setsid.
	Outside bool
}

// ReadSession reads the session of pid from its status file (NSpid,
// NSpgid, NSsid: the last number of each is the innermost namespace's).
func ReadSession(procRoot string, pid int) (Session, error) {
	p := filepath.Join(procRoot, strconv.Itoa(pid), "status")
	b, err := os.ReadFile(p)
	if err != nil {
		return Session{}, fmt.Errorf("read %q: %w", p, err)
	}
	s, err := parseSession(b)
	if err != nil {
		return Session{}, fmt.Errorf("read %q: %w", p, err)
	}
	return s, nil
}

func parseSession(b []byte) (Session, error) {
	ids := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "NSpid" && key != "NSpgid" && key != "NSsid") {
			continue
		}
		f := strings.Fields(val)
		if len(f) == 0 {
			return Session{}, fmt.Errorf("empty %s", key)
		}
		n, err := strconv.Atoi(f[len(f)-1])
		if err != nil {
			return Session{}, fmt.Errorf("%s: %w", key, err)
		}
		ids[key] = n
	}
	for _, k := range []string{"NSpid", "NSpgid", "NSsid"} {
		if _, ok := ids[k]; !ok {
			return Session{}, fmt.Errorf("no %s line", k)
		}
	}
	pid := ids["NSpid"]
	return Session{
		Leader:  ids["NSpgid"] == pid && ids["NSsid"] == pid,
		Outside: ids["NSsid"] == 0,
	}, nil
}
