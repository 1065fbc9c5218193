package cgroups

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ocikit/ocikit/internal/fsutil"
)

// membership is one line of /proc/<pid>/cgroup: the process's cgroup in
// one hierarchy, as a path from the root of the reader's cgroup namespace.
type membership struct {
	v2          bool     // the "0::" line
	controllers []string // v1: the hierarchy's controllers, e.g. [cpu cpuacct]
	path        string
}

// ownCgroups reads the caller's cgroups from /proc/self/cgroup.
func ownCgroups() ([]membership, error) {
	ms, err := procCgroups("self")
	if err != nil {
		return nil, fmt.Errorf("read own cgroups: %w", err)
	}
	return ms, nil
}

// procCgroups reads /proc/<pid>/cgroup; pid may be "self".
func procCgroups(pid string) ([]membership, error) {
	path := "/proc/" + pid + "/cgroup"
	b, err := fsutil.ReadFile(path) // on a bare descriptor: see readFile
	if err != nil {
		return nil, err
	}
	ms, err := parseProcCgroup(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%q: %w", path, err)
	}
	return ms, nil
}

// parseProcCgroup parses a /proc/<pid>/cgroup table:
//
//	4:memory:/user.slice
//	2:cpu,cpuacct:/
//	1:name=systemd:/user.slice/session-1.scope
//	0::/user.slice/session-1.scope
func parseProcCgroup(r io.Reader) ([]membership, error) {
	var ms []membership
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		// The path may itself contain colons, so split off two fields only.
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("malformed line %q", line)
		}
		m := membership{path: parts[2]}
		if parts[0] == "0" && parts[1] == "" {
			m.v2 = true
		} else {
			m.controllers = strings.Split(parts[1], ",")
		}
		ms = append(ms, m)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return ms, nil
}

// find returns the line that describes hierarchy h. v1 controller lists are
// compared as sets, since nothing promises mountinfo and /proc/self/cgroup
// spell them in the same order.
func find(ms []membership, h Hierarchy) (membership, bool) {
	want := slices.Sorted(slices.Values(h.Controllers))
	for _, m := range ms {
		if h.Version == 2 {
			if m.v2 {
				return m, true
			}
			continue
		}
		if !m.v2 && slices.Equal(slices.Sorted(slices.Values(m.controllers)), want) {
			return m, true
		}
	}
	return membership{}, false
}
