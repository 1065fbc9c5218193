package cgroups

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// owners returns the uid of each name under dir ("" is dir itself), -1
// for a name that is not there.
func owners(t *testing.T, dir string, names ...string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, n := range names {
		fi, err := os.Lstat(filepath.Join(dir, n))
		if err != nil {
			got[n] = -1
			continue
		}
		got[n] = int(fi.Sys().(*syscall.Stat_t).Uid)
	}
	return got
}

func TestDelegate(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test gives files to another user")
	}
	const uid, gid = 4242, 4343
	for _, c := range []struct {
		name    string
		paths   func(dir string) map[string]string
		owned   bool
		list    string // the kernel's list; "-" for none
		want    bool
		changed []string
	}{
		{"v2, made here", func(d string) map[string]string { return map[string]string{"unified": d} }, true,
			"cgroup.procs\ncgroup.threads\ncgroup.subtree_control\nmemory.reclaim\nno.such.file\n../escape\n", true,
			[]string{"", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "memory.reclaim"}},
		{"no list: the spec's three", func(d string) map[string]string { return map[string]string{"unified": d} }, true,
			"-", true, []string{"", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control"}},
		{"hybrid: v1 in use", func(d string) map[string]string { return map[string]string{"unified": d, "memory": d} }, true,
			"cgroup.procs\n", false, nil},
		{"v1 only", func(d string) map[string]string { return map[string]string{"pids": d} }, true,
			"cgroup.procs\n", false, nil},
		{"prepared by someone else", func(d string) map[string]string { return map[string]string{"unified": d} }, false,
			"cgroup.procs\n", false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			top := t.TempDir()
			dir := filepath.Join(top, "cg")
			all := []string{"", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "memory.reclaim", "memory.max"}
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, f := range all[1:] {
				if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(top, "escape"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			delegateList = filepath.Join(top, "delegate")
			t.Cleanup(func() { delegateList = "/sys/kernel/cgroup/delegate" })
			if c.list != "-" {
				if err := os.WriteFile(delegateList, []byte(c.list), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			m := &Manager{Paths: c.paths(dir)}
			if c.owned {
				m.owned = []string{dir}
			}
			did, err := m.Delegate(uid, gid)
			if err != nil || did != c.want {
				t.Fatalf("Delegate = %v, %v; want %v", did, err, c.want)
			}
			got := owners(t, dir, all...)
			for _, f := range all {
				want := 0
				for _, ch := range c.changed {
					if ch == f {
						want = uid
					}
				}
				if got[f] != want {
					t.Errorf("owner of %q = %d, want %d", f, got[f], want)
				}
			}
			if o := owners(t, top, "escape")["escape"]; o != 0 {
				t.Errorf("a name with a slash led out of the cgroup: ../escape is owned by %d", o)
			}
		})
	}
}
