package cgroups

import (
	"reflect"
	"strings"
	"testing"
)

const hybridMountinfo = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
50 23 0:32 /user/a /mnt/my\040mem rw,relatime - cgroup cgroup rw,memory
51 23 0:40 / /mnt/x ro - ext4 /dev/sda1 rw
`

func TestParseMountinfo(t *testing.T) {
	hs, err := parseMountinfo(strings.NewReader(hybridMountinfo))
	if err != nil {
		t.Fatal(err)
	}
	want := []Hierarchy{
		{Mountpoint: "/sys/fs/cgroup/cpu,cpuacct", Root: "/", Version: 1, Controllers: []string{"cpu", "cpuacct"}},
		{Mountpoint: "/sys/fs/cgroup/cpuset", Root: "/", Version: 1, Controllers: []string{"cpuset"}},
		{Mountpoint: "/sys/fs/cgroup/memory", Root: "/", Version: 1, Controllers: []string{"memory"}},
		{Mountpoint: "/sys/fs/cgroup/systemd", Root: "/", Version: 1, Controllers: []string{"name=systemd"}},
		{Mountpoint: "/sys/fs/cgroup/unified", Root: "/", Version: 2},
	}
	if !reflect.DeepEqual(hs, want) {
		t.Fatalf("got %+v\nwant %+v", hs, want)
	}
	keys := []string{}
	for _, h := range hs {
		keys = append(keys, h.Key())
	}
	if got := strings.Join(keys, " "); got != "cpu,cpuacct cpuset memory name=systemd unified" {
		t.Errorf("keys %q", got)
	}
}

func TestParseMountinfoPrefersWholeHierarchy(t *testing.T) {
	// A bind mount of a sub-cgroup listed first, then the hierarchy's root.
	in := `50 23 0:32 /user/a /mnt/my\040mem rw - cgroup cgroup rw,memory
35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
`
	hs, err := parseMountinfo(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || hs[0].Mountpoint != "/sys/fs/cgroup/memory" {
		t.Fatalf("got %+v", hs)
	}
	hs, err = parseMountinfo(strings.NewReader(in[:strings.Index(in, "\n")+1]))
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || hs[0].Mountpoint != "/mnt/my mem" || hs[0].Root != "/user/a" {
		t.Fatalf("unescaping: got %+v", hs)
	}
}

func TestParseProcCgroup(t *testing.T) {
	in := "9:name=systemd:/user.slice/a:b\n2:cpuacct,cpu:/x\n0::/init.scope\n"
	ms, err := parseProcCgroup(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	cpu := Hierarchy{Version: 1, Controllers: []string{"cpu", "cpuacct"}}
	if m, ok := find(ms, cpu); !ok || m.path != "/x" {
		t.Errorf("cpu,cpuacct: %+v %v", m, ok)
	}
	if m, ok := find(ms, Hierarchy{Version: 1, Controllers: []string{"name=systemd"}}); !ok || m.path != "/user.slice/a:b" {
		t.Errorf("name=systemd: %+v %v", m, ok)
	}
	if m, ok := find(ms, Hierarchy{Version: 2}); !ok || m.path != "/init.scope" {
		t.Errorf("unified: %+v %v", m, ok)
	}
	if _, ok := find(ms, Hierarchy{Version: 1, Controllers: []string{"cpu"}}); ok {
		t.Error("cpu alone matched the cpu,cpuacct line")
	}
	if _, err := parseProcCgroup(strings.NewReader("garbage\n")); err == nil {
		t.Error("a malformed line was accepted")
	}
}
