package suite

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// suiteCgroups are the cgroup paths the validation programs set as
// linux.cgroupsPath (runtime-tools' cgroups.AbsCgroupPath and
// cgroups.RelCgroupPath), with the parents a runtime makes for the
// relative one. Runtimes resolve a relative path against the hierarchy's
// root or against their own cgroup, so both are swept.
var suiteCgroups = []string{
	"cgrouptest",
	"testdir/cgrouptest/container",
	"testdir/cgrouptest",
	"testdir",
}

// cgroupSweeper removes, after each program, the suite's cgroups that a
// runtime made and left behind (a program that fails half-way never
// deletes its container), so the next program starts from the same host.
//
// It only ever removes a directory with one of the suite's fixed names that
// did not exist when the run started, and only with rmdir, which the
// kernel refuses for a cgroup that still has processes or children: a
// cgroup that was there before, such as one of the machine's own, is never
// touched.
type cgroupSweeper struct {
	// candidates are deepest first, so children go before their parents.
	candidates  []string
	preexisting map[string]bool
}

// newCgroupSweeper lists the candidate paths in every mounted cgroup
// hierarchy and notes which exist already.
func newCgroupSweeper(mounts []mountEntry, selfCgroup io.Reader) (*cgroupSweeper, error) {
	own, err := parseProcCgroup(selfCgroup)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	s := &cgroupSweeper{preexisting: map[string]bool{}}
	for _, m := range mounts {
		if (m.FSType != "cgroup" && m.FSType != "cgroup2") || m.Root != "/" {
			continue
		}
		bases := []string{"/"}
		if p, ok := ownCgroup(m, own); ok {
			bases = append(bases, p)
		}
		for _, base := range bases {
			for _, rel := range suiteCgroups {
				p := filepath.Join(m.MountPoint, base, rel)
				if seen[p] {
					continue
				}
				seen[p] = true
				s.candidates = append(s.candidates, p)
				if _, err := os.Lstat(p); err == nil {
					s.preexisting[p] = true
				}
			}
		}
	}
	sort.SliceStable(s.candidates, func(i, j int) bool {
		return strings.Count(s.candidates[i], "/") > strings.Count(s.candidates[j], "/")
	})
	return s, nil
}

// Preexisting lists the suite's cgroups that existed before the run: they
// are left alone, and programs using them may fail.
func (s *cgroupSweeper) Preexisting() []string {
	var out []string
	for _, p := range s.candidates {
		if s.preexisting[p] {
			out = append(out, p)
		}
	}
	return out
}

// Sweep removes the suite's cgroups made since the run started and
// returns those it could not remove.
func (s *cgroupSweeper) Sweep() []string {
	var leaks []string
	for _, p := range s.candidates {
		if s.preexisting[p] {
			continue
		}
		err := os.Remove(p)
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			continue
		}
		leaks = append(leaks, fmt.Sprintf("cgroup %s: %v", p, err))
	}
	return leaks
}

// procCgroup is one line of /proc/self/cgroup.
type procCgroup struct {
	controllers []string // empty for the cgroup2 line "0::/path"
	path        string
}

func parseProcCgroup(r io.Reader) ([]procCgroup, error) {
	var out []procCgroup
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("malformed /proc/self/cgroup line %q", sc.Text())
		}
		var ctrls []string
		if parts[1] != "" {
			ctrls = strings.Split(parts[1], ",")
		}
		out = append(out, procCgroup{controllers: ctrls, path: parts[2]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read /proc/self/cgroup: %w", err)
	}
	return out, nil
}

// ownCgroup returns this process's cgroup in the hierarchy mounted at m:
// the cgroup2 line for a cgroup2 mount, and for a v1 mount the line whose
// controllers (or name=...) all appear among the mount's options.
func ownCgroup(m mountEntry, own []procCgroup) (string, bool) {
	opts := map[string]bool{}
	for _, o := range strings.Split(m.SuperOptions, ",") {
		opts[o] = true
	}
	for _, c := range own {
		if m.FSType == "cgroup2" {
			if len(c.controllers) == 0 {
				return c.path, true
			}
			continue
		}
		if len(c.controllers) == 0 {
			continue
		}
		all := true
		for _, ctrl := range c.controllers {
			all = all && opts[ctrl]
		}
		if all {
			return c.path, true
		}
	}
	return "", false
}
