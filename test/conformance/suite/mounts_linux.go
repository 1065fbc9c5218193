package suite

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// mountEntry is one line of /proc/self/mountinfo.
type mountEntry struct {
	Root         string
	MountPoint   string
	FSType       string
	SuperOptions string
}

// readMountinfo reads the mount table of the calling process.
func readMountinfo() ([]mountEntry, error) {
	const path = "/proc/self/mountinfo"
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", path, err)
	}
	defer f.Close()
	entries, err := parseMountinfo(f)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	return entries, nil
}

// parseMountinfo parses mountinfo lines: "id parent major:minor root
// mountpoint options [optional fields...] - fstype source superoptions".
func parseMountinfo(r io.Reader) ([]mountEntry, error) {
	var out []mountEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := -1
		for i := 6; i < len(fields); i++ {
			if fields[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || len(fields) < sep+4 {
			return nil, fmt.Errorf("malformed mountinfo line %q", sc.Text())
		}
		out = append(out, mountEntry{
			Root:         unescapeOctal(fields[3]),
			MountPoint:   unescapeOctal(fields[4]),
			FSType:       fields[sep+1],
			SuperOptions: fields[sep+3],
		})
	}
	return out, sc.Err()
}

// unescapeOctal undoes the kernel's \ooo escaping of space, tab, newline
// and backslash in mountinfo paths.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isHybridCgroups reports whether the host mounts cgroup v1 controllers
// with a cgroup2 hierarchy beside them at /sys/fs/cgroup/unified.
func isHybridCgroups(mounts []mountEntry) bool {
	unified, v2root := false, false
	for _, m := range mounts {
		if m.FSType != "cgroup2" {
			continue
		}
		switch m.MountPoint {
		case "/sys/fs/cgroup/unified":
			unified = true
		case "/sys/fs/cgroup":
			v2root = true
		}
	}
	return unified && !v2root
}

// mountsUnder returns the mount points at or below dir, deepest first.
func mountsUnder(mounts []mountEntry, dir string) []string {
	dir = filepath.Clean(dir)
	var out []string
	for _, m := range mounts {
		if m.MountPoint == dir || strings.HasPrefix(m.MountPoint, dir+"/") {
			out = append(out, m.MountPoint)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.Count(out[i], "/") > strings.Count(out[j], "/")
	})
	return out
}

// removeTree removes dir, a folder this runner made for one program. Mounts
// below it can only have been made by that program or the runtime it drove
// (with a private mount namespace per program they cannot reach this
// namespace at all, but a runner started without one still cleans up): they
// are detached first, so that RemoveAll never descends into a mounted file
// system, such as a bind mount of a host folder, and deletes what is in it.
// If a mount cannot be detached, dir is left in place and reported.
func removeTree(dir string) []string {
	mounts, err := readMountinfo()
	if err != nil {
		return []string{fmt.Sprintf("folder %s kept: %v", dir, err)}
	}
	for _, mp := range mountsUnder(mounts, dir) {
		if err := unix.Unmount(mp, unix.MNT_DETACH); err != nil {
			return []string{fmt.Sprintf("folder %s kept: unmount %q: %v", dir, mp, err)}
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return []string{fmt.Sprintf("remove %q: %v", dir, err)}
	}
	return nil
}
