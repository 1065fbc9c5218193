package cgroups

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Hierarchy is one mounted cgroup hierarchy of the host.
type Hierarchy struct {
	Mountpoint  string   // e.g. /sys/fs/cgroup/memory or /sys/fs/cgroup
	Root        string   // the hierarchy path mounted there (mountinfo field 4), usually "/"
	Version     int      // 1 or 2
	Controllers []string // v1: the mount's controllers, e.g. [cpu cpuacct] or [name=systemd]; v2: nil
}

// Key names a hierarchy in a Manager's path map: "unified" for cgroup v2,
// otherwise the comma-joined controllers, as in /proc/self/cgroup.
func (h Hierarchy) Key() string {
	if h.Version == 2 {
		return "unified"
	}
	return strings.Join(h.Controllers, ",")
}

// Hierarchies lists the cgroup hierarchies mounted in the caller's mount
// namespace, from /proc/self/mountinfo. A hierarchy mounted twice is
// listed once (its first mount).
func Hierarchies() ([]Hierarchy, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("list cgroup hierarchies: %w", err)
	}
	defer f.Close()
	var hs []Hierarchy
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - cgroup cgroup rw,memory
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, f := range fields {
			if f == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || len(fields) < sep+4 {
			continue
		}
		fstype, super := fields[sep+1], fields[sep+3]
		h := Hierarchy{Root: unescape(fields[3]), Mountpoint: unescape(fields[4])}
		switch fstype {
		case "cgroup2":
			h.Version = 2
		case "cgroup":
			h.Version = 1
			for _, o := range strings.Split(super, ",") {
				if o == "rw" || o == "ro" || strings.HasPrefix(o, "release_agent=") || o == "clone_children" || o == "noprefix" || o == "xattr" || o == "cpuset_v2_mode" {
					continue
				}
				h.Controllers = append(h.Controllers, o)
			}
		default:
			continue
		}
		if seen[h.Key()] {
			continue
		}
		seen[h.Key()] = true
		hs = append(hs, h)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("list cgroup hierarchies: %w", err)
	}
	return hs, nil
}

// unescape undoes mountinfo's octal escapes (\040 for a space and so on).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v byte
			ok := true
			for j := 1; j <= 3; j++ {
				c := s[i+j]
				if c < '0' || c > '7' {
					ok = false
					break
				}
				v = v*8 + (c - '0')
			}
			if ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
