package container

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestCgroupOwnerIDs(t *testing.T) {
	rw := []specs.Mount{{Destination: "/sys/fs/cgroup/", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid"}}}
	ro := []specs.Mount{{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"ro"}}}
	other := []specs.Mount{{Destination: "/sys/fs/cgroup", Type: "cgroup2", Source: "none"}}
	maps := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 1000}, {ContainerID: 1000, HostID: 300000, Size: 10}}
	all := &nsPlan{cgroupNS: true, mountNS: true, userNS: true}
	for _, c := range []struct {
		name     string
		mounts   []specs.Mount
		ns       *nsPlan
		uid, gid uint32
		maps     []specs.LinuxIDMapping
		wantU    int
		wantG    int
		ok       bool
	}{
		{"root through the first map", rw, all, 0, 0, maps, 100000, 100000, true},
		{"user through the second map", rw, all, 1005, 7, maps, 300005, 100007, true},
		{"user outside every map", rw, all, 2000, 0, maps, 0, 0, false},
		{"read-only mount", ro, all, 0, 0, maps, 0, 0, false},
		{"no cgroupfs mount by its source", other, all, 0, 0, maps, 0, 0, false},
		{"no cgroup namespace", rw, &nsPlan{mountNS: true, userNS: true}, 0, 0, maps, 0, 0, false},
		{"no mount namespace", rw, &nsPlan{cgroupNS: true, userNS: true}, 0, 0, maps, 0, 0, false},
		{"no user namespace: the ids as they are", rw, &nsPlan{cgroupNS: true, mountNS: true}, 1000, 1001, nil, 1000, 1001, true},
	} {
		s := &specs.Spec{
			Process: &specs.Process{User: specs.User{UID: c.uid, GID: c.gid}},
			Mounts:  c.mounts,
			Linux:   &specs.Linux{UIDMappings: c.maps, GIDMappings: c.maps},
		}
		u, g, ok := cgroupOwnerIDs(s, c.ns)
		if ok != c.ok || (ok && (u != c.wantU || g != c.wantG)) {
			t.Errorf("%s: cgroupOwnerIDs = %d, %d, %v; want %d, %d, %v", c.name, u, g, ok, c.wantU, c.wantG, c.ok)
		}
	}
}
