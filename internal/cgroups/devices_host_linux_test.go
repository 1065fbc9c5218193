package cgroups

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ocikit/ocikit/internal/cgroups/cgroupstest"
)

// denyZero is a spec's device list that takes /dev/zero away.
var denyZero = &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{denyAll(), rule(false, "c", 1, 5, "rwm")}}

// TestSetHostDevicesV1: on the host's v1 devices controller, the spec's
// rules come first in devices.list and a denied device cannot be opened.
func TestSetHostDevicesV1(t *testing.T) {
	needRoot(t)
	m := create(t, "t1", testParent(t)+"/c1")
	key, ok := m.route("devices")
	if !ok || key == "unified" {
		t.Skip("no v1 devices controller")
	}
	r := &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		denyAll(), rule(true, "c", 10, 229, "rwm"), rule(true, "b", 8, 20, "rw"), rule(false, "c", 1, 5, "rwm"),
	}}
	if err := m.Set(r, specs.LinuxDevice{Path: "/dev/test1", Type: "c", Major: 10, Minor: 666}); err != nil {
		t.Fatal(err)
	}
	list, err := readFile(m.Paths[key], "devices.list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(list, "\n")
	if len(lines) < 3 || !slices.Equal(lines[:2], []string{"c 10:229 rwm", "b 8:20 rw"}) || strings.Contains(list, "c 1:5 ") ||
		!slices.Contains(lines, "c 136:* rwm") || lines[len(lines)-1] != "c 10:666 rwm" {
		t.Errorf("devices.list:\n%s", list)
	}
	cgroupstest.WantDenied(t, cgroupstest.TryDevices(t, m.Apply))

	// Set again with the default rules: /dev/zero is back.
	if err := m.Set(&specs.LinuxResources{Devices: defaultDevices}); err != nil {
		t.Fatal(err)
	}
	if out := cgroupstest.TryDevices(t, m.Apply); !strings.Contains(out, "zero-ok") {
		t.Errorf("output %q", out)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
}

// TestSetHostDevicesV1Refused: a v1 kernel refuses a rule its parent
// lacks; Set reports it.
func TestSetHostDevicesV1Refused(t *testing.T) {
	needRoot(t)
	parent := testParent(t)
	outer := create(t, "outer", parent+"/c1")
	key, ok := outer.route("devices")
	if !ok || key == "unified" {
		t.Skip("no v1 devices controller")
	}
	if err := outer.Set(&specs.LinuxResources{Devices: defaultDevices}); err != nil {
		t.Fatal(err)
	}
	inner := create(t, "inner", parent+"/c1/c2")
	err := inner.Set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{denyAll(), rule(true, "c", 10, 229, "rw")}})
	if err == nil || !strings.Contains(err.Error(), "linux.resources.devices: set c 10:229 rw: write ") || !strings.Contains(err.Error(), "operation not permitted") {
		t.Errorf("Set: %v", err)
	}
	if err := inner.Destroy(); err != nil {
		t.Fatal(err)
	}
	if err := outer.Destroy(); err != nil {
		t.Fatal(err)
	}
}

// v2Manager creates a cgroup in the host's unified hierarchy alone, so
// that Set takes the cgroup v2 way even on a hybrid host: a device
// program needs no controller.
func v2Manager(t *testing.T, p string) *Manager {
	t.Helper()
	hs, err := Hierarchies()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(hs, func(h Hierarchy) bool { return h.Version == 2 })
	if i < 0 {
		t.Skip("no cgroup v2 hierarchy")
	}
	own, err := ownCgroups()
	if err != nil {
		t.Fatal(err)
	}
	m, err := newManager("t2", p, hs[i:i+1], own, false, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSetHostDevicesV2NoProgrammer: without package devicebpf (this
// package's tests do not link it) device rules for a v2 cgroup are
// refused, and the cgroup gets no program.
func TestSetHostDevicesV2NoProgrammer(t *testing.T) {
	needRoot(t)
	m := v2Manager(t, testParent(t)+"/c1")
	err := m.Set(denyZero)
	if err == nil || !strings.Contains(err.Error(), "cgroup v2 device rules need an eBPF program") {
		t.Errorf("Set: %v", err)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
}
