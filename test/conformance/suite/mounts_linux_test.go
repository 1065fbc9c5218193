package suite

import (
	"reflect"
	"strings"
	"testing"
)

const hybridMountinfo = `22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
25 22 0:21 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755
26 25 0:22 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate
27 25 0:23 / /sys/fs/cgroup/memory rw,nosuid shared:11 - cgroup cgroup rw,memory
28 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:12 - cgroup cgroup rw,cpu,cpuacct
29 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid shared:13 - cgroup cgroup rw,xattr,name=systemd
30 22 0:26 /sub /tmp/with\040space rw - tmpfs tmpfs rw
31 22 0:27 / /tmp/run/a rw - tmpfs tmpfs rw
32 31 0:28 / /tmp/run/a/b rw - proc proc rw
33 22 0:29 / /tmp/runner rw - tmpfs tmpfs rw
`

func TestParseMountinfo(t *testing.T) {
	mounts, err := parseMountinfo(strings.NewReader(hybridMountinfo))
	if err != nil {
		t.Fatal(err)
	}
	if len(mounts) != 10 {
		t.Fatalf("got %d mounts, want 10", len(mounts))
	}
	want := mountEntry{Root: "/sub", MountPoint: "/tmp/with space", FSType: "tmpfs", SuperOptions: "rw"}
	if mounts[6] != want {
		t.Errorf("mount 7 = %+v, want %+v", mounts[6], want)
	}
	if mounts[3].SuperOptions != "rw,memory" || mounts[3].FSType != "cgroup" {
		t.Errorf("memory mount = %+v", mounts[3])
	}
	if _, err := parseMountinfo(strings.NewReader("1 2 3:4 / /x rw no-separator\n")); err == nil {
		t.Errorf("malformed line accepted")
	}
}

func TestIsHybridCgroups(t *testing.T) {
	mounts, _ := parseMountinfo(strings.NewReader(hybridMountinfo))
	if !isHybridCgroups(mounts) {
		t.Errorf("hybrid layout not detected")
	}
	v2 := []mountEntry{{MountPoint: "/sys/fs/cgroup", FSType: "cgroup2"}}
	if isHybridCgroups(v2) {
		t.Errorf("unified layout taken for hybrid")
	}
	if isHybridCgroups(mounts[3:6]) {
		t.Errorf("v1-only layout taken for hybrid")
	}
}

func TestMountsUnder(t *testing.T) {
	mounts, _ := parseMountinfo(strings.NewReader(hybridMountinfo))
	got := mountsUnder(mounts, "/tmp/run/")
	if want := []string{"/tmp/run/a/b", "/tmp/run/a"}; !reflect.DeepEqual(got, want) {
		t.Errorf("mountsUnder = %v, want %v", got, want)
	}
}

func TestUnescapeOctal(t *testing.T) {
	for in, want := range map[string]string{
		`/a\040b`: "/a b", `/tab\011`: "/tab\t", `/back\134slash`: `/back\slash`, `/short\04`: `/short\04`, `/plain`: "/plain",
	} {
		if got := unescapeOctal(in); got != want {
			t.Errorf("unescapeOctal(%q) = %q, want %q", in, got, want)
		}
	}
}
