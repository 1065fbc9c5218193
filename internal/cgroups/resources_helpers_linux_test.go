package cgroups

import (
	"bytes"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeFiles stands in for the kernel's cgroup files on a plain directory
// tree: it writes through to the files (which must exist, as writeFile
// wants), logs every attempt, and lets a test refuse writes the way the
// kernel would.
type fakeFiles struct {
	t        *testing.T
	root     string
	attempts []string                            // "rel/file=value", "!" appended when refused
	refuse   func(dir, name, value string) error // nil: accept everything
	programs map[string]*DevicePolicy            // dir -> the policy of the device program attached (devices_fake_linux_test.go)
	devcg    map[string]*fakeDevcg               // dir -> its v1 devices cgroup, once written
	// noProgrammer plays a binary without package devicebpf.
	noProgrammer bool
}

func (f *fakeFiles) check(string) error { return nil }

func (f *fakeFiles) read(dir, name string) (string, error) { return readFile(dir, name) }

func (f *fakeFiles) write(dir, name, value string) error {
	rel, err := filepath.Rel(f.root, filepath.Join(dir, name))
	if err != nil {
		f.t.Fatal(err)
	}
	entry := rel + "=" + value
	if f.refuse != nil {
		if err := f.refuse(dir, name, value); err != nil {
			f.attempts = append(f.attempts, entry+"!")
			return fmt.Errorf("write %q: %w", filepath.Join(dir, name), err)
		}
	}
	f.attempts = append(f.attempts, entry)
	if name == "devices.allow" || name == "devices.deny" {
		return f.writeDevices(dir, name, value)
	}
	if name == "cgroup.subtree_control" {
		// The kernel adds "+c" to the set it holds.
		cur, err := readFile(dir, name)
		if err != nil {
			return err
		}
		value = strings.TrimSpace(cur + " " + strings.TrimPrefix(value, "+"))
	}
	// Unlike a cgroup file, a plain one keeps the tail of a longer old
	// value: truncate, but only a file that exists.
	if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("write %q: %w", filepath.Join(dir, name), bare(err))
	}
	return os.WriteFile(filepath.Join(dir, name), []byte(value), 0o644)
}

// writes returns the attempts that went through.
func (f *fakeFiles) writes() []string {
	var out []string
	for _, a := range f.attempts {
		if !strings.HasSuffix(a, "!") {
			out = append(out, a)
		}
	}
	return out
}

// v1Defaults are the files of a fresh v1 cgroup, per hierarchy key, with
// the values the kernel gives them.
var v1Defaults = map[string]map[string]string{
	"memory": {
		"memory.limit_in_bytes":       "9223372036854771712",
		"memory.memsw.limit_in_bytes": "9223372036854771712",
		"memory.soft_limit_in_bytes":  "9223372036854771712",
		"memory.kmem.limit_in_bytes":  "9223372036854771712",
		"memory.swappiness":           "60",
		"memory.oom_control":          "oom_kill_disable 0",
	},
	"pids":         {"pids.max": "max"},
	"devices":      {"devices.allow": "", "devices.deny": "", "devices.list": "a *:* rwm"},
	"cpu,cpuacct":  {"cpu.shares": "1024", "cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "-1", "cpu.rt_period_us": "1000000", "cpu.rt_runtime_us": "0"},
	"cpuset":       {"cpuset.cpus": "0-3", "cpuset.mems": "0"},
	"name=systemd": {},
}

// v2Files are the files of a fresh v2 cgroup.
var v2Files = map[string]string{
	"cgroup.subtree_control": "",
	"memory.max":             "max",
	"memory.low":             "0",
	"memory.swap.max":        "max",
	"pids.max":               "max",
	"cpu.weight":             "100",
	"cpu.max":                "max 100000",
	"cpuset.cpus":            "",
	"cpuset.mems":            "",
}

// fakeTree makes a cgroup "/p/c" in fake hierarchies under a temporary
// directory: for each key of layout a directory named after it holding
// p/c, with the given files in c. Create's ownership is faked too: the
// manager owns p and c.
func fakeTree(t *testing.T, layout map[string]map[string]string) (*Manager, *fakeFiles) {
	t.Helper()
	root := t.TempDir()
	st := State{Paths: map[string]string{}}
	for key, fs := range layout {
		mnt := filepath.Join(root, key)
		leaf := filepath.Join(mnt, "p", "c")
		if err := os.MkdirAll(leaf, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, v := range fs {
			if err := os.WriteFile(filepath.Join(leaf, name), []byte(v+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		st.Paths[key] = leaf
		st.Owned = append(st.Owned, filepath.Dir(leaf), leaf)
	}
	return Load(st), &fakeFiles{t: t, root: root}
}

// fakeV2 makes a fake unified hierarchy (see fakeTree) whose root
// delegates controllers to p, the topmost cgroup the manager owns.
func fakeV2(t *testing.T, controllers string) (*Manager, *fakeFiles) {
	t.Helper()
	m, f := fakeTree(t, map[string]map[string]string{"unified": v2Files})
	put(t, f.root, "unified/cgroup.subtree_control", controllers)
	put(t, f.root, "unified/p/cgroup.controllers", controllers)
	put(t, f.root, "unified/p/cgroup.subtree_control", "")
	return m, f
}

func put(t *testing.T, root, rel, v string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, rel), []byte(v+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, root, rel string) string {
	t.Helper()
	v, err := readFile(root, rel)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantFiles checks file contents relative to root.
func wantFiles(t *testing.T, root string, want map[string]string) {
	t.Helper()
	for _, rel := range slices.Sorted(maps.Keys(want)) {
		if got := get(t, root, rel); got != want[rel] {
			t.Errorf("%s = %q, want %q", rel, got, want[rel])
		}
	}
}

// logBuffer returns a logger writing text to the returned buffer.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var b bytes.Buffer
	return slog.New(slog.NewTextHandler(&b, nil)), &b
}

func ptr[T any](v T) *T { return &v }
