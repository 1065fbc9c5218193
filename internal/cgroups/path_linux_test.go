package cgroups

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

var (
	testHierarchies = []Hierarchy{
		{Mountpoint: "/sys/fs/cgroup/memory", Root: "/", Version: 1, Controllers: []string{"memory"}},
		{Mountpoint: "/sys/fs/cgroup/cpu,cpuacct", Root: "/", Version: 1, Controllers: []string{"cpu", "cpuacct"}},
		{Mountpoint: "/sys/fs/cgroup/unified", Root: "/", Version: 2},
	}
	testOwn = "4:memory:/supervisor/job\n2:cpuacct,cpu:/\n0::/user.slice/s.scope\n"
)

func resolveTest(t *testing.T, id, p string, hs []Hierarchy, own string) (map[string]string, error) {
	t.Helper()
	ms, err := parseProcCgroup(strings.NewReader(own))
	if err != nil {
		t.Fatal(err)
	}
	return resolve(id, p, hs, ms)
}

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		path string
		want map[string]string
	}{
		{"/a/b", map[string]string{
			"memory":      "/sys/fs/cgroup/memory/a/b",
			"cpu,cpuacct": "/sys/fs/cgroup/cpu,cpuacct/a/b",
			"unified":     "/sys/fs/cgroup/unified/a/b",
		}},
		{"//a/./b/../c/", map[string]string{
			"memory":      "/sys/fs/cgroup/memory/a/c",
			"cpu,cpuacct": "/sys/fs/cgroup/cpu,cpuacct/a/c",
			"unified":     "/sys/fs/cgroup/unified/a/c",
		}},
		{"a/b", map[string]string{
			"memory":      "/sys/fs/cgroup/memory/supervisor/job/a/b",
			"cpu,cpuacct": "/sys/fs/cgroup/cpu,cpuacct/a/b",
			"unified":     "/sys/fs/cgroup/unified/user.slice/s.scope/a/b",
		}},
		{"", map[string]string{
			"memory":      "/sys/fs/cgroup/memory/supervisor/job/ocikit-c1",
			"cpu,cpuacct": "/sys/fs/cgroup/cpu,cpuacct/ocikit-c1",
			"unified":     "/sys/fs/cgroup/unified/user.slice/s.scope/ocikit-c1",
		}},
	} {
		got, err := resolveTest(t, "c1", tc.path, testHierarchies, testOwn)
		if err != nil {
			t.Errorf("%q: %v", tc.path, err)
			continue
		}
		if !maps.Equal(got, tc.want) {
			t.Errorf("%q: got %v, want %v", tc.path, got, tc.want)
		}
	}
}

func TestResolveRefuses(t *testing.T) {
	for _, tc := range []struct{ path, why string }{
		{"system.slice:ocikit:c1", "not supported"},
		{":ocikit:c1", "not supported"},
		{"../x", `".." leads out`},
		{"a/../../x", `".." leads out`},
		{"/../x", `".." leads out`},
		{"/", "root cgroup"},
		{"/a/..", "root cgroup"},
		{"/supervisor", "holds the runtime"},
		{"/user.slice", "holds the runtime"},
		{"a\nb", "newline"},
	} {
		_, err := resolveTest(t, "c1", tc.path, testHierarchies, testOwn)
		if err == nil || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%q: got %v, want an error saying %q", tc.path, err, tc.why)
		}
	}
	_, err := resolveTest(t, "c1", "a:b:c", testHierarchies, testOwn)
	if !errors.Is(err, ErrSystemdPath) {
		t.Errorf("systemd path: %v is not ErrSystemdPath", err)
	}
}

func TestResolveMountedSubtree(t *testing.T) {
	// Inside a cgroup namespace, or with a bind mount, a hierarchy's
	// mount may show only part of it.
	hs := []Hierarchy{{Mountpoint: "/sys/fs/cgroup", Root: "/pod/x", Version: 2}}
	own := "0::/pod/x/init\n"
	got, err := resolveTest(t, "c1", "/pod/x/c1", hs, own)
	if err != nil || got["unified"] != "/sys/fs/cgroup/c1" {
		t.Errorf("absolute under Root: %v %v", got, err)
	}
	got, err = resolveTest(t, "c1", "sub", hs, own)
	if err != nil || got["unified"] != "/sys/fs/cgroup/init/sub" {
		t.Errorf("relative under Root: %v %v", got, err)
	}
	_, err = resolveTest(t, "c1", "/pod/y/c1", hs, own)
	if err == nil || !strings.Contains(err.Error(), "lies outside") {
		t.Errorf("absolute outside Root: %v", err)
	}
	_, err = resolveTest(t, "c1", "/pod/xy", hs, own)
	if err == nil || !strings.Contains(err.Error(), "lies outside") {
		t.Errorf("sibling sharing Root's prefix: %v", err)
	}
	// A mount of a cgroup above the namespace's root cannot be mapped.
	hs[0].Root = "/../.."
	_, err = resolveTest(t, "c1", "/c1", hs, "0::/\n")
	if err == nil || !strings.Contains(err.Error(), "lies outside") {
		t.Errorf("root above the namespace: %v", err)
	}
	// The caller itself sits above its cgroup namespace's root.
	hs[0].Root = "/"
	_, err = resolveTest(t, "c1", "sub", hs, "0::/../other\n")
	if err == nil || !strings.Contains(err.Error(), "outside its cgroup namespace") {
		t.Errorf("caller outside its namespace: %v", err)
	}
}

func TestResolveNeedsOwnCgroupForRelative(t *testing.T) {
	own := "0::/\n" // no memory or cpu line
	if _, err := resolveTest(t, "c1", "/abs", testHierarchies, own); err != nil {
		t.Errorf("absolute path: %v", err)
	}
	_, err := resolveTest(t, "c1", "rel", testHierarchies, own)
	if err == nil || !strings.Contains(err.Error(), "not in /proc/self/cgroup") {
		t.Errorf("relative path: %v", err)
	}
}
