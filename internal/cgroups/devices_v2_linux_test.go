package cgroups

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestSetV2Devices: on cgroup v2 the policy goes to the container's
// cgroup, in the order the rules take effect, and no controller is
// enabled for it. (Package devicebpf tests the program made of it.)
func TestSetV2Devices(t *testing.T) {
	m, f := fakeV2(t, "memory pids")
	r := &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{denyAll(), rule(false, "c", 1, 5, "rwm")}}
	if err := m.set(r, f, specs.LinuxDevice{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}); err != nil {
		t.Fatal(err)
	}
	leaf := m.Paths["unified"]
	p := f.programs[leaf]
	if len(f.programs) != 1 || p == nil {
		t.Fatalf("programs %v", f.programs)
	}
	if w := f.writes(); len(w) != 1 || w[0] != "unified/p/c=<device policy of 11 rules>" {
		t.Errorf("writes %q", w)
	}
	if p.Default != DenyDevices || !slices.Equal(p.Rules[:len(containerDevices)], containerDevices) ||
		p.Rules[len(p.Rules)-1].String() != "c 1:5 rwm" || p.Rules[len(p.Rules)-1].Allow {
		t.Errorf("policy %+v", p)
	}
	for _, c := range []struct {
		typ          byte
		major, minor int64
		want         bool
	}{{'c', 1, 5, false}, {'c', 1, 3, true}, {'c', 10, 229, true}, {'c', 136, 4, true}, {'b', 8, 0, false}} {
		if got := p.Allows(c.typ, c.major, c.minor, AccessRead|AccessWrite); got != c.want {
			t.Errorf("%c %d:%d: %v", c.typ, c.major, c.minor, got)
		}
	}

	// A privileged spec: nothing to deny, and the earlier program goes.
	if err := m.set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{allowAll()}}, f); err != nil {
		t.Fatal(err)
	}
	if len(f.programs) != 0 {
		t.Errorf("programs %v", f.programs)
	}
}

// TestSetV2DevicesNoProgrammer: a binary without package devicebpf
// refuses device rules bound for a v2 cgroup, before it writes any other
// limit, rather than leave the container every device.
func TestSetV2DevicesNoProgrammer(t *testing.T) {
	m, f := fakeV2(t, "memory pids")
	f.noProgrammer = true
	r := &specs.LinuxResources{
		Pids:    &specs.LinuxPids{Limit: ptr[int64](10)},
		Devices: []specs.LinuxDeviceCgroup{denyAll()},
	}
	err := m.set(r, f)
	if err == nil || !strings.HasPrefix(err.Error(), "linux.resources.devices: cgroup v2 device rules need an eBPF program") {
		t.Errorf("set: %v", err)
	}
	if len(f.attempts) != 0 {
		t.Errorf("attempts %q", f.attempts)
	}
	// No device rules: nothing needs the programmer.
	if err := m.set(&specs.LinuxResources{Pids: r.Pids}, f); err != nil {
		t.Error(err)
	}
}

// TestDevicePolicy pins the policy's verdicts and CanDeny.
func TestDevicePolicy(t *testing.T) {
	p := &DevicePolicy{Default: InheritDevices, Rules: []DeviceRule{
		{Allow: true, Type: 'c', Major: 1, Minor: AnyNumber, Access: AccessRead},
		{Allow: false, Type: 'c', Major: 1, Minor: 5, Access: AccessRead | AccessMknod},
	}}
	for _, c := range []struct {
		major, minor int64
		acc          DeviceAccess
		want         bool
	}{
		{1, 3, AccessRead, true},
		{1, 5, AccessRead, false},
		{1, 5, AccessWrite, true}, // left to the parents
		{4, 1, AccessAll, true},
	} {
		if got := p.Allows('c', c.major, c.minor, c.acc); got != c.want {
			t.Errorf("c %d:%d %s: %v", c.major, c.minor, c.acc, got)
		}
	}
	if !p.CanDeny() {
		t.Error("a policy with a deny rule cannot deny")
	}
	for _, q := range []*DevicePolicy{{Default: AllowDevices}, {Default: InheritDevices, Rules: containerDevices}} {
		if q.CanDeny() {
			t.Errorf("%+v can deny", q)
		}
	}
	if !(&DevicePolicy{Default: DenyDevices}).CanDeny() {
		t.Error("deny by default cannot deny")
	}
}
