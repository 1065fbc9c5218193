package cgroups

import (
	"errors"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// devTree is a fake v1 tree with only the devices hierarchy, whose cgroup
// starts with devices.list list.
func devTree(t *testing.T, list string) (*Manager, *fakeFiles, string) {
	t.Helper()
	m, f := fakeTree(t, map[string]map[string]string{"devices": {"devices.allow": "", "devices.deny": "", "devices.list": list}})
	return m, f, m.Paths["devices"]
}

func devWrites(f *fakeFiles) []string {
	var out []string
	for _, w := range f.writes() {
		out = append(out, strings.TrimPrefix(w, "devices/p/c/devices."))
	}
	return out
}

var defaultWrites = []string{
	"allow=c 1:3 rwm", "allow=c 1:5 rwm", "allow=c 1:7 rwm", "allow=c 1:8 rwm", "allow=c 1:9 rwm",
	"allow=c 5:0 rwm", "allow=c 5:2 rwm", "allow=c 136:* rwm", "allow=c 10:200 rwm",
}

var defaultList = "c 1:3 rwm\nc 1:5 rwm\nc 1:7 rwm\nc 1:8 rwm\nc 1:9 rwm\nc 5:0 rwm\nc 5:2 rwm\nc 136:* rwm\nc 10:200 rwm"

// TestSetV1DevicesDefault: the default spec's "deny all" resets the
// cgroup, and the devices every container needs are allowed.
func TestSetV1DevicesDefault(t *testing.T) {
	m, f, dir := devTree(t, "a *:* rwm")
	if err := m.set(&specs.LinuxResources{Devices: defaultDevices}, f); err != nil {
		t.Fatal(err)
	}
	if w := devWrites(f); !slices.Equal(w, append([]string{"deny=a"}, defaultWrites...)) {
		t.Errorf("writes %q", w)
	}
	if got := get(t, dir, "devices.list"); got != defaultList {
		t.Errorf("devices.list %q", got)
	}
}

// TestSetV1DevicesOrder: the spec's rules come first in devices.list, in
// its order, as the OCI validation suite (linux_cgroups_devices) checks;
// the devices of linux.devices come after the defaults.
func TestSetV1DevicesOrder(t *testing.T) {
	m, f, dir := devTree(t, "a *:* rwm")
	r := &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		denyAll(), rule(true, "c", 10, 229, "rwm"), rule(true, "b", 8, 20, "rw"), rule(true, "b", 10, 200, "r"),
	}}
	created := []specs.LinuxDevice{{Path: "/dev/test1", Type: "c", Major: 10, Minor: 666}, {Path: "/dev/test3", Type: "p"}}
	if err := m.set(r, f, created...); err != nil {
		t.Fatal(err)
	}
	want := "c 10:229 rwm\nb 8:20 rw\nb 10:200 r\n" + defaultList + "\nc 10:666 rwm"
	if got := get(t, dir, "devices.list"); got != want {
		t.Errorf("devices.list %q, want %q", got, want)
	}
}

// TestSetV1DevicesTakeDefault: a spec's deny of a device the container
// would get by default takes it away.
func TestSetV1DevicesTakeDefault(t *testing.T) {
	m, f, dir := devTree(t, "a *:* rwm")
	r := &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{denyAll(), rule(false, "c", 1, 5, "rwm"), rule(false, "c", 1, 3, "w")}}
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	w := devWrites(f)
	if !slices.Equal(w[:3], []string{"deny=a", "deny=c 1:5 rwm", "deny=c 1:3 w"}) || slices.Contains(w, "allow=c 1:5 rwm") || !slices.Contains(w, "allow=c 1:3 rm") {
		t.Errorf("writes %q", w)
	}
	if got := get(t, dir, "devices.list"); strings.Contains(got, "c 1:5") || !strings.HasPrefix(got, "c 1:3 rm\nc 1:7 rwm") {
		t.Errorf("devices.list %q", got)
	}
}

// TestSetV1DevicesAllowAll: a privileged spec allows everything; the
// default allows change nothing.
func TestSetV1DevicesAllowAll(t *testing.T) {
	m, f, dir := devTree(t, "c 1:3 rwm") // a parent that denies by default
	r := &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{allowAll(), rule(false, "b", 8, -1, "w")}}
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	if w := devWrites(f); !slices.Equal(w[:2], []string{"allow=a", "deny=b 8:* w"}) {
		t.Errorf("writes %q", w)
	}
	if got := get(t, dir, "devices.list"); got != "a *:* rwm" {
		t.Errorf("devices.list %q", got)
	}
	if c := f.devcg[dir]; len(c.excs) != 1 || c.excs[0] != [4]string{"b", "8", "*", "w"} {
		t.Errorf("hidden exceptions %q", c.excs)
	}
}

// TestSetV1DevicesInherit: without an all-devices rule the rules change
// the cgroup's inherited ones.
func TestSetV1DevicesInherit(t *testing.T) {
	m, f, dir := devTree(t, "c 1:3 rwm\nc 1:5 rwm\nb 8:* r")
	r := &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{rule(false, "b", 8, -1, "r"), rule(true, "c", 4, 1, "rw")}}
	if err := m.set(r, f); err != nil {
		t.Fatal(err)
	}
	if got := get(t, dir, "devices.list"); got != "c 1:3 rwm\nc 1:5 rwm\nc 4:1 rw\nc 1:7 rwm\nc 1:8 rwm\nc 1:9 rwm\nc 5:0 rwm\nc 5:2 rwm\nc 136:* rwm\nc 10:200 rwm" {
		t.Errorf("devices.list %q", got)
	}
}

// TestSetV1DevicesInexpressible: v1 cannot take one device out of an
// allowed wildcard; such a spec is refused before anything is written.
func TestSetV1DevicesInexpressible(t *testing.T) {
	for name, rules := range map[string][]specs.LinuxDeviceCgroup{
		"spec wildcard":    {denyAll(), rule(true, "c", -1, -1, "rwm"), rule(false, "c", 4, 1, "rw")},
		"default wildcard": {denyAll(), rule(false, "c", 136, 0, "rw")},
		"narrow allow":     {allowAll(), rule(false, "b", 8, -1, "rwm"), rule(true, "b", 8, 0, "r")},
	} {
		m, f, _ := fakeTree2(t)
		r := &specs.LinuxResources{Devices: rules, Pids: &specs.LinuxPids{Limit: ptr[int64](5)}}
		err := m.set(r, f)
		if err == nil || !strings.Contains(err.Error(), "linux.resources.devices: cgroup v1 cannot apply these rules") {
			t.Errorf("%s: %v", name, err)
		}
		if len(f.attempts) != 0 {
			t.Errorf("%s: wrote %q", name, f.attempts)
		}
	}
}

// fakeTree2 is a v1 tree with the pids and devices hierarchies.
func fakeTree2(t *testing.T) (*Manager, *fakeFiles, string) {
	m, f := fakeTree(t, map[string]map[string]string{"pids": v1Defaults["pids"], "devices": v1Defaults["devices"]})
	return m, f, m.Paths["devices"]
}

// TestSetV1DevicesErrors: a refused write names the field and the rule;
// a devices.list that does not show what was written is an error.
func TestSetV1DevicesErrors(t *testing.T) {
	m, f, dir := devTree(t, "a *:* rwm")
	f.refuse = func(_, name, value string) error {
		if value == "c 10:200 rwm" {
			return unix.EPERM
		}
		return nil
	}
	err := m.set(&specs.LinuxResources{Devices: defaultDevices}, f)
	if !errors.Is(err, unix.EPERM) || !strings.HasPrefix(err.Error(), "linux.resources.devices: set c 10:200 rwm: write ") ||
		!strings.Contains(err.Error(), filepath.Join(dir, "devices.allow")) {
		t.Errorf("refused write: %v", err)
	}

	m, f, dir = devTree(t, "a *:* rwm")
	f.refuse = nil
	if err := f.writeDevices(dir, "devices.allow", "a"); err != nil {
		t.Fatal(err)
	}
	f.devcg[dir].ignore = func(_, value string) bool { return value == "c 1:9 rwm" }
	err = m.set(&specs.LinuxResources{Devices: defaultDevices}, f)
	if err == nil || !strings.Contains(err.Error(), "devices.list\" holds") || !strings.Contains(err.Error(), "want \"c 10:200 rwm, c 136:* rwm, c 1:3 rwm, c 1:5 rwm, c 1:7 rwm, c 1:8 rwm, c 1:9 rwm,") {
		t.Errorf("unverified: %v", err)
	}

	m, f, _ = devTree(t, "x 1:3 rwm")
	if err := m.set(&specs.LinuxResources{Devices: defaultDevices}, f); err == nil || !strings.Contains(err.Error(), `bad line "x 1:3 rwm"`) {
		t.Errorf("bad devices.list: %v", err)
	}
}

// TestSetV1DevicesNotOwned: a prepared cgroup keeps its device rules,
// with a warning.
func TestSetV1DevicesNotOwned(t *testing.T) {
	m, f, _ := devTree(t, "a *:* rwm")
	log, buf := logBuffer()
	m.owned, m.log = nil, log
	if err := m.set(&specs.LinuxResources{Devices: defaultDevices}, f); err != nil {
		t.Fatal(err)
	}
	if len(f.attempts) != 0 || strings.Count(buf.String(), "level=WARN") != 1 || !strings.Contains(buf.String(), "leaves its device rules alone") {
		t.Errorf("wrote %q, log %q", f.attempts, buf)
	}
}

// TestV1DevicesModel: the model planV1 reasons with agrees with the fake
// kernel on random rule sequences.
func TestV1DevicesModel(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		p := randomPlan(t, rnd)
		_, f, dir := devTree(t, []string{"a *:* rwm", "c 1:3 rwm\nb 3:* r"}[i%2])
		model, err := parseDevicesList(get(t, dir, "devices.list"))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.v1Rules() {
			model.apply(r)
			file := map[bool]string{true: "devices.allow", false: "devices.deny"}[r.Allow]
			if err := f.write(dir, file, r.String()); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := get(t, dir, "devices.list"), strings.Join(model.list(), "\n"); got != want {
			t.Fatalf("plan %+v: kernel %q, model %q", p, got, want)
		}
	}
}

// TestV1DevicesPlanned: whenever planV1 accepts a plan, the cgroup it
// leaves behaves as the plan says, device by device.
func TestV1DevicesPlanned(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	accepted := 0
	for range 500 {
		p := randomPlan(t, rnd)
		cur := &v1Devices{excs: []DeviceRule{{Allow: true, Type: 'c', Major: 1, Minor: 3, Access: AccessAll}}}
		_, after, err := p.planV1(cur)
		if err != nil {
			continue
		}
		accepted++
		for _, d := range DeviceProbes(append(p.rules(), cur.excs...)) {
			for bit := AccessMknod; bit <= AccessWrite; bit <<= 1 {
				if after.allows(d.Type, d.Major, d.Minor, bit) != p.allows(d.Type, d.Major, d.Minor, bit, cur.allows) {
					t.Fatalf("plan %+v: %s %s differs", p, d, bit)
				}
			}
		}
	}
	if accepted < 100 {
		t.Errorf("only %d plans accepted", accepted)
	}
}

func TestParseDevicesList(t *testing.T) {
	c, err := parseDevicesList("c 1:3 rwm\nb *:* m\nc 136:* rw\n")
	if err != nil || c.allowAll || !slices.Equal(c.list(), []string{"c 1:3 rwm", "b *:* m", "c 136:* rw"}) {
		t.Errorf("%v %+v", err, c)
	}
	if c, err := parseDevicesList("a *:* rwm\n"); err != nil || !c.allowAll {
		t.Errorf("%v %+v", err, c)
	}
	for _, bad := range []string{"c 1:3", "c 1 rwm", "c x:3 rwm", "c 1:3 rwz", "cc 1:3 rwm", "p 1:3 rwm"} {
		if _, err := parseDevicesList(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
